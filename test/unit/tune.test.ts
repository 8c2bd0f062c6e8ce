/**
 * The tuned grid (search, saving, loading, invalidation when the model file changes) and the pieces of
 * `pndm eval` (steps for a budget of calls, the table, the plot), on the closed-form Gaussian model.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { formatTable } from '../../src/cli/evalCommand';
import { DEFAULT_SETTINGS, initialNoise, SeededNoise, type SamplingSettings } from '../../src/sampler';
import { heldOutRun, TUNE_SEED, type TuneRun } from '../../src/tune/tuneModel';
import { evaluateOne, stepsForCalls, type EvalRun } from '../../src/tune/evaluate';
import { pickCandidates, refineGrid, searchGrid, stepRatio } from '../../src/tune/gits';
import { rememberingModel } from '../../src/tune/memo';
import { logLogSvg } from '../../src/tune/plot';
import { loadTunedGrid, modelSha256, saveTunedGrid, withTunedGrid } from '../../src/tune/store';
import { gaussianModel, noiseFor, schedule } from '../support/sampling';

const dir = mkdtempSync(join(tmpdir(), 'pndm-tune-test-'));
process.env.PNDM_CACHE_DIR = dir;
after(() => rmSync(dir, { recursive: true, force: true }));

const gaussianRun = (): EvalRun => ({
  model: gaussianModel(),
  schedule,
  xT: noiseFor(4, 16, 5),
  count: 4,
  base: { finalAlphaBar: 'one', stepsOffset: 0 },
});

test('the searched grid starts at T−1, has N strictly decreasing steps, and beats every standard grid for DDIM', async () => {
  const run = gaussianRun();
  const found = await searchGrid(run, { steps: 6, referenceSteps: 250, candidates: 50 });
  assert.equal(found.timesteps.length, 6);
  assert.equal(found.timesteps[0], 999);
  assert.ok(
    found.timesteps.every((t, i) => i === 0 || t < found.timesteps[i - 1]),
    found.timesteps.join(),
  );
  const tuned = (await evaluateOne(run, found.reference, 'ddim', 'tuned', 6, found.timesteps)).rms;
  for (const spacing of ['leading', 'linspace', 'trailing', 'karras', 'logsnr'] as const) {
    const other = (await evaluateOne(run, found.reference, 'ddim', spacing, 6)).rms;
    assert.ok(tuned < other, `tuned ${tuned} vs ${spacing} ${other}`);
  }
  // the summed local errors bound nothing exactly, but they are of the size of the global error
  assert.ok(found.cost > 0 && found.cost < 10 * tuned + 1, `cost ${found.cost}`);
});

test('refinement for the sampler itself never ends worse than the best grid it starts from', async () => {
  const run = gaussianRun();
  const found = await searchGrid(run, { steps: 5, referenceSteps: 250, candidates: 40 });
  const leading = [800, 600, 400, 200, 0];
  const startRms = await Promise.all(
    [found.timesteps, leading].map(async (g) => (await evaluateOne(run, found.reference, 'dpmpp-2m', 'tuned', 5, g)).rms),
  );
  const refined = await refineGrid(run, found.reference, 'dpmpp-2m', [found.timesteps, leading], { sweeps: 2, maxStepRatio: Infinity });
  assert.ok(refined.rms <= Math.min(...startRms), `${refined.rms} vs ${startRms}`);
  assert.equal(refined.timesteps.length, 5);
  assert.ok(
    refined.timesteps.every((t, i) => i === 0 || t < refined.timesteps[i - 1]),
    refined.timesteps.join(),
  );
  const again = (await evaluateOne(run, found.reference, 'dpmpp-2m', 'tuned', 5, refined.timesteps)).rms;
  assert.equal(again, refined.rms, 'the reported RMS is the grid’s');
});

test('the refinement is a pattern search down to one timestep: its grid is a local minimum of the sampler’s RMS', async () => {
  const run = gaussianRun();
  const found = await searchGrid(run, { steps: 5, referenceSteps: 250, candidates: 40 });
  const refined = await refineGrid(run, found.reference, 'ipndm-v', [[800, 600, 400, 200, 0]], { sweeps: 8, maxStepRatio: Infinity });
  const score = async (g: number[]) => (await evaluateOne(run, found.reference, 'ipndm-v', 'tuned', 5, g)).rms;
  assert.notDeepEqual(refined.timesteps, [800, 600, 400, 200, 0], 'it moved');
  for (let i = 0; i < 5; i++) {
    for (const d of [1, -1]) {
      const g = refined.timesteps.map((t, k) => (k === i ? t + d : t));
      if (g.some((t, k) => t < 0 || t > 999 || (k > 0 && t >= g[k - 1]))) continue;
      const rms = await score(g);
      assert.ok(rms >= refined.rms, `moving point ${i} by ${d} scores ${rms} < ${refined.rms}`);
    }
  }
});

test('the refinement keeps neighbouring steps within the ratio bound, and a start beyond it bounds by its own', async () => {
  assert.equal(stepRatio([900, 800, 700, 600]), 1);
  assert.equal(stepRatio([900, 700, 650, 500]), 4, '200 then 50');
  assert.equal(stepRatio([900, 0]), 1, 'one step has no neighbour (the jump to the clean end is not a step here)');
  const run = gaussianRun();
  const reference = (await searchGrid(run, { steps: 6, referenceSteps: 250, candidates: 40 })).reference;
  const even = [999, 833, 666, 500, 333, 166];
  const free = await refineGrid(run, reference, 'ipndm-v', [even], { sweeps: 64, maxStepRatio: Infinity });
  const bounded = await refineGrid(run, reference, 'ipndm-v', [even], { sweeps: 64, maxStepRatio: 1.5 });
  assert.ok(stepRatio(free.timesteps) > 1.5, `the unbounded search leaves the bound: ${free.timesteps.join()}`);
  assert.ok(stepRatio(bounded.timesteps) <= 1.5, bounded.timesteps.join());
  assert.ok(bounded.rms >= free.rms, `${bounded.rms} < ${free.rms}`);
  const uneven = [999, 600, 550, 300, 250, 100]; // ratio 8
  const fromUneven = await refineGrid(run, reference, 'ipndm-v', [uneven], { sweeps: 64, maxStepRatio: 1.5 });
  assert.ok(stepRatio(fromUneven.timesteps) <= 8, fromUneven.timesteps.join());
});

test('a remembered call is the network’s answer, a new array each time; another x or t asks the network', async () => {
  const network = gaussianModel();
  let asked = 0;
  const model = rememberingModel({ eps: (x, t) => (asked++, network.eps(x, t)) }, 2);
  const x = noiseFor(2, 16, 3);
  const first = await model.eps(x, 500);
  const again = await model.eps(x.slice(), 500);
  assert.deepEqual(again, first);
  assert.notEqual(again, first, 'a new array: the samplers keep ε and may scale it in place');
  again.fill(0);
  assert.deepEqual(await model.eps(x, 500), first, 'changing an answer does not change the memory');
  assert.deepEqual(model.counts, { network: 1, remembered: 2 });
  await model.eps(x, 499);
  const moved = x.slice();
  moved[7] += 1e-6;
  assert.notDeepEqual(await model.eps(moved, 500), first);
  assert.equal(asked, 3, 'another t and another x are the network’s');
  await model.eps(x, 500); // forgotten: the two calls since filled its memory of 2
  assert.equal(asked, 4);
});

test('the refinement reuses the best grid’s calls before the point it moves', async () => {
  const run = gaussianRun();
  const reference = (await searchGrid(run, { steps: 8, referenceSteps: 250, candidates: 40 })).reference;
  const refined = await refineGrid(run, reference, 'ipndm-v', [[990, 870, 750, 620, 480, 330, 180, 40]], {
    sweeps: 64,
    maxStepRatio: Infinity,
  });
  const { network, remembered } = refined.calls;
  // a trial moving point i of 8 repeats i calls: 3.5 of 8 on average, less the moves at i = 0
  assert.ok(remembered > 0.3 * (network + remembered) && remembered < 0.5 * (network + remembered), `${network} + ${remembered}`);
  assert.equal((await evaluateOne(run, reference, 'ipndm-v', 'tuned', 8, refined.timesteps)).rms, refined.rms);
});

test('held-out trajectories are the next images of the tuner’s seed, none of the tuned ones', () => {
  for (const seed of [TUNE_SEED, 7]) {
    const run: TuneRun = { ...gaussianRun(), xT: initialNoise(new SeededNoise(seed), 3, 16), count: 3, seed };
    const held = heldOutRun(run, 2);
    assert.equal(held.count, 2);
    assert.deepEqual(held.xT, initialNoise(new SeededNoise(seed), 5, 16).subarray(48));
    assert.notDeepEqual(held.xT.subarray(0, 16), run.xT.subarray(32, 48));
  }
});

test('candidates spread in log-SNR keep T−1 and come from the reference grid', () => {
  const grid = Array.from({ length: 500 }, (_, i) => 999 - 2 * i);
  const picked = pickCandidates(grid, schedule.alphasCumprod, 40);
  assert.equal(picked[0], 999);
  assert.ok(picked.length >= 20 && picked.length <= 40, `${picked.length}`);
  assert.ok(picked.every((t) => grid.includes(t)));
  assert.ok(picked.every((t, i) => i === 0 || t < picked[i - 1]));
});

test('a tuned grid is saved under the model file SHA-256, found again, and lost when the model file changes', () => {
  const model = join(dir, 'model.onnx');
  writeFileSync(model, 'first model bytes');
  const sha = modelSha256(model);
  const settings: SamplingSettings = { ...DEFAULT_SETTINGS, sampler: 'ipndm', steps: 3, spacing: 'tuned' };
  assert.throws(
    () => withTunedGrid(settings, model),
    /There is no tuned grid for ipndm at 3 steps for this model; make one with `pndm tune --sampler ipndm --steps 3 --model .*model\.onnx`/,
  );
  saveTunedGrid({
    sampler: 'ipndm',
    steps: 3,
    timesteps: [999, 400, 60],
    baseline: { spacing: 'logsnr', rms: 0.02 },
    rms: 0.01,
    modelSha256: sha,
    created: new Date(0).toISOString(),
  });
  assert.deepEqual(loadTunedGrid(model, 'ipndm', 3)?.timesteps, [999, 400, 60]);
  assert.equal(loadTunedGrid(model, 'ipndm', 4), undefined, 'another number of steps');
  assert.equal(loadTunedGrid(model, 'unipc', 3), undefined, 'another sampler');
  assert.deepEqual(withTunedGrid(settings, model).tunedGrid, [999, 400, 60]);
  writeFileSync(model, 'the model file was replaced');
  assert.notEqual(modelSha256(model), sha);
  assert.equal(loadTunedGrid(model, 'ipndm', 3), undefined, 'a changed model file has no grid');
});

test('steps for a budget of calls follow each method’s NFE and order', () => {
  assert.equal(stepsForCalls('ddim', 10, 1000), 10);
  assert.equal(stepsForCalls('s-pndm', 10, 1000), 9);
  assert.equal(stepsForCalls('f-pndm', 10, 1000), 3);
  assert.equal(stepsForCalls('dpmpp-3m', 2, 1000), undefined);
  assert.equal(stepsForCalls('dpmpp-3m', 5, 1000), 5);
  assert.equal(stepsForCalls('pf', 10, 1000), undefined);
});

test('the eval table marks the best of each column and the plot draws one line per series', () => {
  const rows = [
    { sampler: 'ddim', spacing: 'leading', steps: 10, calls: 10, rms: 0.04, budget: 10 },
    { sampler: 'unipc', spacing: 'logsnr', steps: 10, calls: 10, rms: 0.01, budget: 10 },
    { sampler: 'unipc', spacing: 'logsnr', steps: 20, calls: 20, rms: 0.002, budget: 20 },
  ] as const;
  const table = formatTable(rows, [10, 20], 4, 1000);
  assert.match(table, /ddim\s+leading\s+0\.0400 /);
  assert.match(table, /unipc\s+logsnr\s+0\.0100\*\s+0\.0020\*/);
  assert.match(table, /ddim\s+leading\s+0\.0400\s+—/);
  const svg = logLogSvg(
    [
      { label: 'DDIM leading', points: [{ x: 10, y: 0.04 }] },
      { label: 'UniPC logsnr', points: rows.slice(1).map((r) => ({ x: r.calls, y: r.rms })) },
    ],
    { x: 'calls', y: 'RMS', title: 't' },
  );
  assert.equal(svg.match(/<polyline/g)?.length, 2);
  assert.match(svg, /UniPC logsnr/);
  assert.throws(() => logLogSvg([{ label: 'x', points: [] }], { x: '', y: '', title: '' }), /Nothing to plot/);
});
