import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readNpy } from '../../src/io';
import { maxAbsDiff } from '../support/gaussianModel';
import { bundledModel, repoRoot, referenceFile } from '../support/paths';
import { encodeGridPng } from '../../src/runner/png';
import { decodePng } from '../support/png';

const pndm = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [join(repoRoot(), 'bin', 'pndm.js'), ...args], { cwd: scratch }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
const scratch = mkdtempSync(join(tmpdir(), 'pndm-cli-'));

test('pndm sample --noise X --out-npy Y reproduces the reference (F-PNDM and DDIM, 10 steps)', async () => {
  for (const [sampler, file] of [
    ['pndm', 'FPNDM_10.npy'],
    ['ddim', 'DDIM_10.npy'],
  ]) {
    const out = join(scratch, `${sampler}.npy`);
    const r = await pndm([
      'sample',
      '--noise',
      referenceFile('noise.npy'),
      '--out-npy',
      out,
      '--sampler',
      sampler,
      '--steps',
      '10',
      '--ep',
      'cpu',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const got = await readNpy(out);
    assert.deepEqual(got.shape, [4, 1, 32, 32]);
    assert.equal(got.dtype, '<f4');
    const expected = (await readNpy(referenceFile(file))).data as Float32Array;
    assert.ok(maxAbsDiff(got.data as Float32Array, expected) <= 1e-4);
    assert.match(
      r.stdout,
      new RegExp(
        `^${sampler === 'pndm' ? 'F-PNDM' : 'DDIM'}, 10 steps, 4 samples: ${sampler === 'pndm' ? 19 : 10} model calls on cpu, [\\d.]+ s wall, [\\d.]+ s in the model \\([\\d.]+%\\)\\n`,
      ),
    );
    assert.ok(!existsSync(join(scratch, 'samples.png')), 'no PNG unless asked when --out-npy is given');
  }
});

test('pndm sample writes a grid PNG with the settings embedded, and a progress bar on stderr', async () => {
  const settingsFile = join(scratch, 'settings.json');
  writeFileSync(settingsFile, JSON.stringify({ sampler: 's-pndm', steps: 3, samples: 5, seed: 7, spacing: 'trailing', eta: 0, ep: 'cpu' }));
  const r = await pndm(['sample', '--settings', settingsFile, '--steps', '2', '--out', 'grid.png']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /100% 2\/2 \| 3 calls/);
  const png = decodePng(readFileSync(join(scratch, 'grid.png')));
  assert.equal(png.width, 3 * 32 + 2 * 2, 'width: 3 columns for 5 samples');
  assert.equal(png.height, 2 * 32 + 2, 'height: 2 rows');
  assert.equal(png.channels, 1);
  const settings = JSON.parse(png.text['pndm.settings']);
  assert.deepEqual(settings, {
    sampler: 's-pndm',
    steps: 2,
    samples: 5,
    seed: 7,
    spacing: 'trailing',
    eta: 0,
    variance: 'fixed_small',
    tolerance: 0.001,
    ep: 'cpu',
    model: 'mnist_ddpm.onnx', // a file name, never the absolute path
    modelSha256: createHash('sha256').update(readFileSync(bundledModel())).digest('hex'),
  });
  assert.match(png.text.Comment, /^S-PNDM, 2 steps, 5 samples: 3 model calls on cpu/);
  assert.ok(new Set(png.pixels).size > 50, 'real image content, not a flat image');
});

test('bad arguments exit 2 with one line that says what is allowed, and write nothing', async () => {
  const cases: [string[], RegExp][] = [
    [['sample', '--stepz', '3'], /^pndm: unknown option --stepz; options: --model --sampler/],
    [['sample', '--steps', '0'], /^pndm: --steps must be in 1\.\.100000; got 0$/],
    [['sample', '--steps', 'ten'], /^pndm: --steps must be a whole number in 1\.\.100000; got "ten"$/],
    [
      ['sample', '--sampler', 'euler'],
      /^pndm: --sampler must be one of f-pndm, s-pndm, fon, plms, ddim, pf, ddpm, dpmpp-2m, dpmpp-3m, unipc, ipndm, ipndm-v, pndm; got "euler"$/,
    ],
    [
      ['sample', '--steps', '1001', '--samples', '1'],
      /^pndm: --steps 1001 is more than the model's 1000 training timesteps; use --steps 1000 or fewer$/,
    ],
    [['sample', '--eta', '2'], /^pndm: --eta must be in 0\.\.1; got 2$/],
    [['sample', '--ep', 'tpu'], /^pndm: --ep must be one of auto, cpu, cuda, dml, coreml, webgpu; got "tpu"$/],
    [
      ['sample', '--noise', referenceFile('alpha_bar.npy')],
      /^pndm: --noise .*alpha_bar\.npy holds <f8 \[1000\]; this model needs float32 \[K, 1, 32, 32\]$/,
    ],
    [['sample', '--samples', '100000000'], /^pndm: --samples must be in 1\.\.65536; got 100000000$/],
    [
      ['sample', '--samples', '65536', '--steps', '1'],
      /^pndm: 65536 samples of 1×32×32 with F-PNDM would hold 2\.5 GiB of sampler state, over the 2\.0 GiB budget; use at most 52428 samples\.$/,
    ],
    [['frobnicate'], /^pndm: unknown command "frobnicate"/],
    [['info'], /^pndm: pndm info takes one model path/],
  ];
  for (const [args, expected] of cases) {
    // --ep cpu: the first `auto` on a machine with a WebGPU adapter opens it to time it, and Dawn
    // writes its own warnings to stderr (lavapipe), which is not what this test is about
    const ep = args.includes('--ep') ? [] : ['--ep', 'cpu'];
    const r = await pndm(args[0] === 'sample' ? [...args, ...ep, '--out', 'never.png'] : args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.trim(), expected);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}`);
  }
  assert.ok(!readdirSync(scratch).some((f) => f.startsWith('never')), 'no output and no temporary file left');
});

test('an unusable model exits 1 with the reason, and pndm info lists what the adapter found', async () => {
  const fake = join(scratch, 'notes.onnx');
  writeFileSync(fake, 'these are my notes, not a model\n');
  const bad = await pndm(['sample', '--model', fake, '--out', 'never.png']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /notes\.onnx/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.ok(!existsSync(join(scratch, 'never.png')));
  const info = await pndm(['info', join(repoRoot(), 'models', 'mnist_ddpm.onnx'), '--ep', 'cpu']);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /inputs {7}sample float32 \[batch, 1, 32, 32\]; timestep int64 \[batch\]/);
  assert.match(info.stdout, /schedule {5}T = 1000, linear β 0\.0001\.\.0\.02 \(from metadata\)/);
  assert.match(info.stdout, /provider {5}cpu \(asked for cpu\)/);
  assert.match(info.stdout, /ddpm {9}variance fixed_small \(default\); ddim, ddpm: x̂₀ not clipped/);
});

test('pndm sample --settings saved.png reproduces the samples bit for bit; the model is found beside it or bundled by SHA-256', async () => {
  const first = await pndm([
    'sample',
    '--sampler',
    'ddim',
    '--eta',
    '0.5',
    '--steps',
    '3',
    '--samples',
    '3',
    '--seed',
    '9',
    '--out',
    'recipe.png',
    '--ep',
    'cpu',
    '--out-npy',
    'recipe.npy',
  ]);
  assert.equal(first.code, 0, first.stderr);
  const again = await pndm(['sample', '--settings', 'recipe.png', '--out-npy', 'again.npy']);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(readFileSync(join(scratch, 'recipe.npy')).equals(readFileSync(join(scratch, 'again.npy'))), 'different samples');
  assert.match(again.stdout, /^DDIM, 3 steps \(η = 0\.5\), 3 samples: 3 model calls/);

  const sha = createHash('sha256').update(readFileSync(bundledModel())).digest('hex');
  const recipe = JSON.parse(decodePng(readFileSync(join(scratch, 'recipe.png'))).text['pndm.settings']);
  const folder = mkdtempSync(join(scratch, 'shared-'));
  copyFileSync(bundledModel(), join(folder, 'mine.onnx'));
  writeFileSync(join(folder, 'beside.json'), JSON.stringify({ ...recipe, model: 'mine.onnx' }));
  const beside = await pndm(['sample', '--settings', join(folder, 'beside.json'), '--out-npy', 'beside.npy']);
  assert.equal(beside.code, 0, beside.stderr);
  assert.ok(readFileSync(join(scratch, 'recipe.npy')).equals(readFileSync(join(scratch, 'beside.npy'))));

  writeFileSync(join(folder, 'other.onnx'), 'not the model');
  writeFileSync(join(folder, 'other.json'), JSON.stringify({ ...recipe, model: 'other.onnx' }));
  writeFileSync(join(folder, 'gone.json'), JSON.stringify({ ...recipe, model: 'gone.onnx', modelSha256: '0'.repeat(64) }));
  const cases: [string, RegExp][] = [
    // other.onnx differs, but the bundled model has the recipe's SHA-256: that one is used
    ['other.json', /^$/],
    [
      'gone.json',
      /^pndm: the model gone\.onnx \(SHA-256 000000000000…\) that .*gone\.json was made with is not beside it; give it with --model PATH$/,
    ],
  ];
  for (const [file, message] of cases) {
    const r = await pndm(['sample', '--settings', join(folder, file), '--out-npy', `${file}.npy`]);
    assert.match(
      r.stderr
        .split('\n')
        .filter((l) => l.startsWith('pndm:'))
        .join('\n'),
      message,
      file,
    );
    assert.equal(r.code, message.source === '^$' ? 0 : 2, r.stderr);
  }
  writeFileSync(join(folder, 'mismatch.json'), JSON.stringify({ ...recipe, model: 'other.onnx', modelSha256: 'f'.repeat(64) }));
  const mismatch = await pndm(['sample', '--settings', join(folder, 'mismatch.json'), '--out', 'never.png']);
  assert.equal(mismatch.code, 2);
  assert.match(
    mismatch.stderr.trim(),
    /^pndm: .*other\.onnx \(SHA-256 [0-9a-f]{12}…\) is not the model other\.onnx \(SHA-256 ffffffffffff…\) that .*mismatch\.json was made with; give that model with --model PATH$/,
  );
  assert.equal(recipe.modelSha256, sha);
});

test('pndm --version, and --help of every command, print and exit 0', async () => {
  const version = await pndm(['--version']);
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `${JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')).version}\n`);
  // each command's help names one of its own options (eval, tune, fd, merge and slurm once refused --help as unknown)
  const ownOption: Record<string, RegExp> = {
    sample: /--settings +a PNG saved by pndm or the panel/,
    info: /--json +print the detected facts as JSON/,
    eval: /--reference-steps/,
    tune: /--held-out H/,
    fd: /--stats-out STATS\.npz/,
    merge: /--out-npy all\.npy/,
    slurm: /--shards N/,
  };
  for (const [command, option] of Object.entries(ownOption)) {
    for (const flag of ['--help', '-h']) {
      const r = await pndm([command, flag]);
      assert.equal(r.code, 0, `${command} ${flag}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: pndm ${command} `));
      assert.match(r.stdout, option, `${command} ${flag}`);
      assert.equal(r.stderr, '');
    }
  }
  // the whole help lists every command's
  const all = await pndm(['--help']);
  assert.equal(all.code, 0);
  for (const option of Object.values(ownOption)) assert.match(all.stdout, option);
});

test('bad --settings files exit 2 with one line saying what is wrong with them', async () => {
  writeFileSync(join(scratch, 'notes.txt'), 'my notes');
  writeFileSync(
    join(scratch, 'plain.png'),
    encodeGridPng(new Float32Array(16), 1, { channels: 1, height: 4, width: 4 }, { Comment: 'hi' }),
  );
  writeFileSync(join(scratch, 'badsha.json'), JSON.stringify({ sampler: 'ddim', modelSha256: 'abc' }));
  writeFileSync(join(scratch, 'noise.json'), JSON.stringify({ sampler: 'ddim', noise: 'x.npy' }));
  const cases: [string, RegExp][] = [
    ['notes.txt', /^pndm: --settings notes\.txt: Unexpected token/],
    ['plain.png', /^pndm: --settings plain\.png: it holds no pndm\.settings text: it was not saved by pndm sample or the PNDM panel$/],
    ['badsha.json', /^pndm: --settings badsha\.json: modelSha256 must be 64 hex digits; got "abc"$/],
    [
      'noise.json',
      /^pndm: --settings noise\.json: unknown key "noise"; keys: sampler, steps, samples, seed, spacing, eta, variance, ep, tolerance, batch, solverOrder, solverType, epsScale, grid, model, modelSha256$/,
    ],
  ];
  for (const [file, message] of cases) {
    const r = await pndm(['sample', '--settings', file, '--out', 'never.png']);
    assert.equal(r.code, 2, `${file}: ${r.stderr}`);
    assert.match(r.stderr.trim(), message);
  }
});
