/**
 * `pndm sample` on bad files, bad models and requests that cannot fit: exit 1 (the model, or a failure)
 * or 2 (the request), one line on stderr saying what was wrong and what to do, and no output file —
 * not even a temporary one — left behind. The unreadable file is real: the CLI runs as `nobody`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_SCHEDULE } from '../../src/sampler/schedule';
import { BAD_FILES, batchOfOneModel, gaussianBytes, outOfRangeGatherModel, tableModel } from '../support/badModels';
import { bundledModel, repoRoot } from '../support/paths';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

const scratch = mkdtempSync(join(tmpdir(), 'pndm-cli-bad-'));
chmodSync(scratch, 0o755); // `nobody` must be able to enter it

function pndm(args: string[], as?: { uid: number; gid: number }): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot(), 'bin', 'pndm.js'), ...args], { cwd: scratch, ...as }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function model(name: string, bytes: Uint8Array): string {
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
}

/** Run, expect `code` and exactly one stderr line matching `line`, and no output or temporary file. */
async function refused(args: string[], code: number, line: RegExp, as?: { uid: number; gid: number }): Promise<void> {
  const out = `never-${Math.random().toString(36).slice(2)}`;
  const r = await pndm(['sample', ...args, '--out', `${out}.png`, '--out-npy', `${out}.npy`, '--ep', 'cpu'], as);
  const what = args.join(' ');
  assert.equal(r.code, code, `${what}: exit ${r.code}, stderr ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l && !l.startsWith('\r') && !/^\s*\d+%/.test(l));
  assert.equal(lines.length, 1, `${what}: ${JSON.stringify(r.stderr)}`);
  assert.match(lines[0], line, what);
  assert.deepEqual(
    readdirSync(scratch).filter((f) => f.includes(out)),
    [],
    `${what}: an output or temporary file was left`,
  );
}

test('bad files: empty, truncated, random bytes, text, missing, a folder — exit 1 with the adapter’s message', async () => {
  for (const bad of BAD_FILES) {
    const path = model(bad.file, bad.bytes(bundledModel()));
    await refused(['--model', path], 1, new RegExp(`^pndm: ${bad.message.source.replace(/^\^/, '')}`));
  }
  await refused(
    ['--model', join(scratch, 'nope.onnx')],
    1,
    /^pndm: Model file not found: .*nope\.onnx\. Check the path, or choose an existing \.onnx file\.$/,
  );
  mkdirSync(join(scratch, 'export', 'unet'), { recursive: true });
  copyFileSync(bundledModel(), join(scratch, 'export', 'unet', 'model.onnx'));
  await refused(
    ['--model', join(scratch, 'export')],
    1,
    /^pndm: .*export is a folder, not an \.onnx file\. Choose the model file inside it: .*export\/unet\/model\.onnx\.$/,
  );
});

test('an unreadable model file (chmod 000, the CLI run as nobody): exit 1, permission denied and what to do', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root to run the CLI as nobody');
    return;
  }
  const path = join(scratch, 'locked.onnx');
  copyFileSync(bundledModel(), path);
  chmodSync(path, 0o000);
  await refused(
    ['--model', path],
    1,
    /^pndm: Permission denied: cannot read the model file .*locked\.onnx \(EACCES\)\. Give your user read access to it and to its folders \(e\.g\. chmod a\+r\), or copy the model somewhere you can read\.$/,
    { uid: 65534, gid: 65534 },
  );
});

test('bad models: conditional, float16, no 4-D input, wrong output shape, dynamic size — exit 1 naming the input', async () => {
  const cases: [string, Uint8Array, RegExp][] = [
    [
      'conditional.onnx',
      gaussianBytes({ extraInputs: [{ name: 'encoder_hidden_states', type: 'float32', shape: ['N', 77, 768] }] }),
      /^pndm: .*conditional\.onnx has the input "encoder_hidden_states" \(float32 \[N, 77, 768\]\) besides the image "sample" and the timestep "timestep"\. Only unconditional ε-models/,
    ],
    [
      'labels.onnx',
      gaussianBytes({ extraInputs: [{ name: 'class_labels', type: 'int64', shape: ['N'] }] }),
      /^pndm: .*has the input "class_labels" \(int64 \[N\]\) besides/,
    ],
    [
      'half.onnx',
      gaussianBytes({ imageType: 'float16' }),
      /^pndm: The image input "sample" \(float16 \[N, 1, 4, 4\]\) of .*has dtype float16; only float32 models are supported\. Re-export the model in float32/,
    ],
    [
      'flat.onnx',
      gaussianBytes({ flatImage: true }),
      /^pndm: .*flat\.onnx has no 4-D image input; its inputs are "sample" \(float32 \[N, 16\]\), "timestep" \(int64 \[N\]\)\. Expected an ε-model/,
    ],
    [
      'mismatch.onnx',
      gaussianBytes({ outputMismatch: 'declared' }),
      /^pndm: The output "noise_pred" of .*has shape \[N, 1, 4, 3\], but an ε-model's output must match the image "sample": \[N, 1, 4, 4\]/,
    ],
    [
      'dynamic.onnx',
      gaussianBytes({ height: 'H', width: 'W' }),
      /^pndm: The image input "sample" \(float32 \[N, 1, H, W\]\) of .*has a dynamic height and width, and nothing says the size it was trained at\. Add diffusion\.image_size/,
    ],
  ];
  for (const [name, bytes, line] of cases) await refused(['--model', model(name, bytes)], 1, line);
});

test('a model that turns NaN or Inf part-way: exit 1 at the first non-finite step, naming it, nothing written', async () => {
  for (const [name, bad] of [
    ['nan.onnx', NaN],
    ['inf.onnx', Infinity],
  ] as const) {
    const path = model(
      name,
      tableModel((t) => (t < 500 ? bad : 0.05)),
    );
    await refused(
      ['--model', path, '--sampler', 'ddim', '--steps', '10', '--samples', '2'],
      1,
      /^pndm: The model produced NaN or Inf at step 6 \(t = 400\) in the model output; the run was stopped\. Check that the model expects images in \[-1, 1\]/,
    );
  }
});

test('a model that throws inside onnxruntime: exit 1 with onnxruntime’s reason and advice; one image at a time works', async () => {
  await refused(
    ['--model', model('gather.onnx', outOfRangeGatherModel()), '--sampler', 'ddim', '--steps', '2', '--samples', '2'],
    1,
    /^pndm: onnxruntime failed to run .*gather\.onnx \(batch 2, t = 500\): .*Gather.*indices element out of data bounds, idx=500 .* — the model loaded but cannot compute this input\./,
  );
  const batchOfOne = model('batch1.onnx', batchOfOneModel());
  await refused(
    ['--model', batchOfOne, '--sampler', 'ddim', '--steps', '2', '--samples', '4'],
    1,
    /^pndm: onnxruntime failed to run .*batch1\.onnx \(batch 4, t = 500\): .*Reshape.*If it runs one image at a time \(1 sample; pndm: --batch 1\), it only takes a fixed batch size/,
  );
  const ok = await pndm([
    'sample',
    '--model',
    batchOfOne,
    '--sampler',
    'ddim',
    '--steps',
    '2',
    '--samples',
    '4',
    '--batch',
    '1',
    '--out',
    'batch1.png',
    '--ep',
    'cpu',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^DDIM, 2 steps, 4 samples: 2 model calls on cpu/);
});

test("requests that cannot fit: steps over the model's T (100 from metadata), a batch over the memory budget — exit 2 with the numbers", async () => {
  const t100 = model('t100.onnx', gaussianBytes({ schedule: { ...DEFAULT_SCHEDULE, numTrainTimesteps: 100 } }));
  await refused(
    ['--model', t100, '--steps', '500'],
    2,
    /^pndm: --steps 500 is more than the model's 100 training timesteps; use --steps 100 or fewer$/,
  );
  const ok = await pndm([
    'sample',
    '--model',
    t100,
    '--sampler',
    'ddim',
    '--steps',
    '100',
    '--samples',
    '2',
    '--out',
    't100.png',
    '--ep',
    'cpu',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  // pf ignores --steps (it always integrates from T−1) and says so instead of silently
  const pf = await pndm(['sample', '--model', t100, '--sampler', 'pf', '--steps', '3', '--samples', '2', '--out', 'pf.png', '--ep', 'cpu']);
  assert.equal(pf.code, 0, pf.stderr);
  assert.match(pf.stderr, /^pndm: note: pf integrates from t = T−1 to the end whatever --steps says; --tolerance sets its accuracy$/m);
  const big = model('big.onnx', gaussianBytes({ height: 512, width: 512 }));
  await refused(
    ['--model', big, '--samples', '1024'],
    2,
    /^pndm: 1024 samples of 1×512×512 with F-PNDM would hold 10\.0 GiB of sampler state, over the 2\.0 GiB budget; use at most 204 samples\.$/,
  );
  await refused(
    ['--sampler', 'euler'],
    2,
    /^pndm: --sampler must be one of f-pndm, s-pndm, fon, plms, ddim, pf, ddpm, dpmpp-2m, dpmpp-3m, unipc, ipndm, ipndm-v, pndm; got "euler"$/,
  );
  await refused(['--steps', '0'], 2, /^pndm: --steps must be in 1\.\.100000; got 0$/);
  await refused(
    ['--variance', 'small'],
    2,
    /^pndm: --variance must be one of auto, fixed_small, fixed_large, learned, learned_range; got "small"$/,
  );
});
