import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readNpy } from '../../src/model';
import { maxAbsDiff } from '../support/gaussianModel';
import { repoRoot, referenceFile } from '../support/paths';
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
  assert.equal(settings.sampler, 's-pndm');
  assert.equal(settings.steps, 2);
  assert.equal(settings.seed, 7);
  assert.equal(settings.spacing, 'trailing');
  assert.match(png.text.Comment, /^S-PNDM, 2 steps, 5 samples: 3 model calls on cpu/);
  assert.ok(new Set(png.pixels).size > 50, 'real image content, not a flat image');
});

test('bad arguments exit 2 with one line that says what is allowed, and write nothing', async () => {
  const cases: [string[], RegExp][] = [
    [['sample', '--stepz', '3'], /^pndm: unknown option --stepz; options: --model --sampler/],
    [['sample', '--steps', '0'], /^pndm: --steps must be in 1\.\.100000; got 0$/],
    [['sample', '--steps', 'ten'], /^pndm: --steps must be a whole number in 1\.\.100000; got "ten"$/],
    [['sample', '--sampler', 'euler'], /^pndm: --sampler must be one of f-pndm, s-pndm, fon, plms, ddim, pf, ddpm, pndm; got "euler"$/],
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
    const r = await pndm(args[0] === 'sample' ? [...args, '--out', 'never.png'] : args);
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
