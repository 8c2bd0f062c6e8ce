/**
 * The new solvers, grids and commands from the command line: a run with solver options, and the bad
 * requests (tuned with no grid, an unknown solver type, steps below the order, tune and eval misused)
 * refused with one line and the right exit code.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readNpy } from '../../src/io';
import { readPngSettings } from '../../src/runner/pngText';
import { modelSha256, saveTunedGrid } from '../../src/tune/store';
import { repoRoot } from '../support/paths';

const scratch = mkdtempSync(join(tmpdir(), 'pndm-cli-solvers-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function pndm(args: string[], cache = join(scratch, 'cache')): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot(), 'bin', 'pndm.js'), ...args],
      { cwd: scratch, env: { ...process.env, PNDM_CACHE_DIR: cache } },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('pndm sample runs UniPC of order 3 with bh1 on the logsnr grid: N calls, finite samples', async () => {
  const r = await pndm(
    ['sample', '--sampler', 'unipc', '--solver-order', '3', '--solver-type', 'bh1', '--spacing', 'logsnr'].concat([
      '--steps',
      '5',
      '--samples',
      '1',
      '--out-npy',
      'u.npy',
      '--out',
      'u.png',
      '--ep',
      'cpu',
    ]),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^UniPC, 5 steps \(order 3, bh1\), 1 samples: 5 model calls on cpu/m);
  const x = (await readNpy(join(scratch, 'u.npy'))).data as Float32Array;
  assert.ok(x.length === 32 * 32 && x.every(Number.isFinite));
  // the PNG is its own recipe, solver order and type included: replaying it gives the same samples bit for bit
  const recipe = readPngSettings(readFileSync(join(scratch, 'u.png')));
  assert.equal(recipe.solverOrder, 3);
  assert.equal(recipe.solverType, 'bh1');
  const replay = await pndm(['sample', '--settings', 'u.png', '--out-npy', 'replay.npy']);
  assert.equal(replay.code, 0, replay.stderr);
  assert.deepEqual((await readNpy(join(scratch, 'replay.npy'))).data, x);
});

test("a tuned run's PNG carries its grid: replayed where no grid was tuned, it gives the same samples; --grid alone does too", async () => {
  const model = join(repoRoot(), 'models', 'mnist_ddpm.onnx');
  const tunedCache = join(scratch, 'tuned-cache');
  const timesteps = [960, 610, 330, 120];
  const saved = process.env.PNDM_CACHE_DIR;
  process.env.PNDM_CACHE_DIR = tunedCache;
  try {
    saveTunedGrid({
      sampler: 'ddim',
      steps: 4,
      timesteps,
      baseline: { spacing: 'leading', rms: 0.1 },
      rms: 0.05,
      modelSha256: modelSha256(model),
      created: new Date(0).toISOString(),
    });
  } finally {
    if (saved === undefined) delete process.env.PNDM_CACHE_DIR;
    else process.env.PNDM_CACHE_DIR = saved;
  }
  const run = ['sample', '--sampler', 'ddim', '--spacing', 'tuned', '--steps', '4', '--samples', '2', '--ep', 'cpu'];
  const tuned = await pndm([...run, '--out', 't.png', '--out-npy', 't.npy'], tunedCache);
  assert.equal(tuned.code, 0, tuned.stderr);
  assert.deepEqual(readPngSettings(readFileSync(join(scratch, 't.png'))).grid, timesteps);
  const x = (await readNpy(join(scratch, 't.npy'))).data;
  // another machine: no tuned grid in its cache
  const emptyCache = join(scratch, 'empty-cache');
  const replay = await pndm(['sample', '--settings', 't.png', '--out-npy', 'replay-tuned.npy'], emptyCache);
  assert.equal(replay.code, 0, replay.stderr);
  assert.deepEqual((await readNpy(join(scratch, 'replay-tuned.npy'))).data, x);
  const byFlag = await pndm(
    ['sample', '--sampler', 'ddim', '--grid', timesteps.join(','), '--samples', '2', '--ep', 'cpu', '--out-npy', 'flag.npy'],
    emptyCache,
  );
  assert.equal(byFlag.code, 0, byFlag.stderr);
  assert.deepEqual((await readNpy(join(scratch, 'flag.npy'))).data, x);
  // a leading grid is another run: the recipe's grid is dropped when the spacing is overridden
  const leading = await pndm(['sample', '--settings', 't.png', '--spacing', 'leading', '--out-npy', 'leading.npy'], emptyCache);
  assert.equal(leading.code, 0, leading.stderr);
  assert.notDeepEqual((await readNpy(join(scratch, 'leading.npy'))).data, x);
});

test('pndm eval --grid scores that grid as spacing tuned where no grid was saved', async () => {
  const grid = '900,600,300,0';
  const r = await pndm(
    [
      'eval',
      '--samplers',
      'ipndm-v',
      '--calls',
      '4',
      '--images',
      '2',
      '--reference-steps',
      '40',
      '--grid',
      grid,
      '--json',
      'e.json',
      '--out',
      'e.svg',
    ],
    join(scratch, 'empty-cache'),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ipndm-v\s+tuned\s+\d\.\d{4}\*/);
  const rows = JSON.parse(readFileSync(join(scratch, 'e.json'), 'utf8')).rows;
  assert.equal(rows.length, 1);
  assert.deepEqual([rows[0].spacing, rows[0].steps, rows[0].calls], ['tuned', 4, 4]);
  assert.ok(rows[0].rms > 0 && rows[0].rms < 1, `${rows[0].rms}`);
});

test('bad requests for the new solvers and commands get one line and the right exit code', async () => {
  const cases: [string[], number, RegExp][] = [
    [
      ['sample', '--grid', '900,500', '--spacing', 'leading', '--samples', '1'],
      2,
      /^pndm: --grid gives the timesteps of --spacing tuned; it cannot go with --spacing leading$/,
    ],
    [
      ['sample', '--grid', '900,x', '--samples', '1'],
      2,
      /^pndm: --grid must be whole timesteps separated by commas, e\.g\. 900,700,500,300,100; got "900,x"$/,
    ],
    [
      ['sample', '--sampler', 'ddim', '--grid', '500,900', '--samples', '1', '--ep', 'cpu'],
      2,
      /^pndm: --grid must be strictly decreasing \(the order the model is called in\); 900 follows 500$/,
    ],
    [
      ['sample', '--sampler', 'ddim', '--grid', '1200,500', '--samples', '1', '--ep', 'cpu'],
      2,
      /^pndm: --grid starts at 1200, beyond the model's last timestep 999$/,
    ],
    [
      ['sample', '--sampler', 'ddim', '--grid', '900,500', '--steps', '3', '--samples', '1', '--ep', 'cpu'],
      2,
      /^pndm: --grid has 2 timesteps but --steps is 3; a grid's length is its number of steps$/,
    ],
    [
      ['sample', '--sampler', 'ipndm', '--spacing', 'tuned', '--steps', '5', '--samples', '1', '--ep', 'cpu'],
      1,
      /^pndm: There is no tuned grid for ipndm at 5 steps for this model; make one with `pndm tune --sampler ipndm --steps 5 --model .*mnist_ddpm\.onnx` or choose another spacing\.$/,
    ],
    [['sample', '--sampler', 'unipc', '--solver-type', 'bh3'], 2, /^pndm: --solver-type must be one of bh1, bh2; got "bh3"$/],
    [
      ['sample', '--sampler', 'dpmpp-3m', '--steps', '2'],
      2,
      /^pndm: DPM-Solver\+\+\(3M\) needs at least 3 steps \(its order\), got 2; use more steps or a lower order\.$/,
    ],
    [['sample', '--sampler', 'unipc', '--solver-order', '4'], 2, /^pndm: UniPC takes a solver order from 1 to 3, got 4\.$/],
    [['tune', '--sampler', 'unipc'], 2, /^pndm: pndm tune needs --sampler S and --steps N; missing --steps$/],
    [['tune', '--steps', '10'], 2, /^pndm: pndm tune needs --sampler S and --steps N; missing --sampler$/],
    [['tune', '--sampler', 'ddpm', '--steps', '10'], 2, /^pndm: --sampler ddpm has no fixed grid to tune/],
    [['tune', '--sampler', 'ipndm-v', '--steps', '10', '--start', 'gits'], 2, /^pndm: --start must be usual or dp, not "gits"$/],
    [
      ['tune', '--sampler', 'ipndm-v', '--steps', '10', '--max-step-ratio', '0.5'],
      2,
      /^pndm: --max-step-ratio must be a number of at least 1, or none; got "0.5"$/,
    ],
    [['eval', '--calls', 'ten'], 2, /^pndm: --calls: "ten" is not a whole number from 1 to 100000$/],
    [
      ['eval', '--grid', '900,500', '--spacings', 'leading'],
      2,
      /^pndm: --grid gives the timesteps of spacing tuned; add tuned to --spacings$/,
    ],
    [['eval', '--grid', '900,,500'], 2, /^pndm: --grid must be whole timesteps separated by commas/],
    // refused before the 1000-step reference is solved (it used to be solved first, then every cell skipped or failed)
    [['eval', '--grid', '5,3,9'], 2, /^pndm: --grid must be strictly decreasing \(the order the model is called in\); 9 follows 3$/],
    [['eval', '--grid', '1000,500'], 2, /^pndm: --grid starts at 1000, beyond the model's last timestep 999$/],
    [
      ['eval', '--grid', '900,500', '--samplers', 's-pndm'],
      2,
      /^pndm: nothing to evaluate: --grid has 2 timesteps, and s-pndm at 2 calls takes 1 steps$/,
    ],
    [
      ['eval', '--spacings', 'tuned', '--samplers', 'ddim', '--calls', '7'],
      2,
      /^pndm: nothing to evaluate: no tuned grid for ddim at 7 steps \(pndm tune --sampler ddim --steps 7\)$/,
    ],
    [['eval', '--spacings', 'cosine'], 2, /^pndm: --spacings: "cosine" is not one of leading, trailing, linspace, karras, logsnr, tuned$/],
  ];
  for (const [args, code, line] of cases) {
    // on the CPU: auto's first one-call timing of WebGPU lets Dawn print to stderr before our line
    const r = await pndm(args[0] === 'sample' && !args.includes('--ep') ? [...args, '--ep', 'cpu'] : args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], line, args.join(' '));
  }
});
