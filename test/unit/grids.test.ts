import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SCHEDULE, makeSchedule, midpoint, nextTimesteps, roundHalfEven, timesteps } from '../../src/sampler';
import { readNpy } from '../../src/io/npy';
import { referenceFile } from '../support/paths';

test('linear ᾱ equals the reference alpha_bar.npy exactly', async () => {
  const ref = (await readNpy(referenceFile('alpha_bar.npy'))).data as Float64Array;
  const { alphasCumprod } = makeSchedule(DEFAULT_SCHEDULE);
  assert.equal(alphasCumprod.length, 1000);
  assert.deepEqual(Array.from(alphasCumprod), Array.from(ref));
});

test('scaled_linear and squaredcos_cap_v2 betas match diffusers/numpy values', () => {
  const scaled = makeSchedule({ numTrainTimesteps: 1000, betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012 });
  assert.ok(Math.abs(scaled.betas[0] - 0.00085) < 1e-15);
  assert.ok(Math.abs(scaled.betas[1] - 0.0008546986554056862) < 1e-15);
  assert.ok(Math.abs(scaled.betas[999] - 0.012) < 1e-15);
  assert.ok(Math.abs(scaled.alphasCumprod[999] - 0.004660098513077238) < 1e-12);
  const cosine = makeSchedule({ numTrainTimesteps: 1000, betaSchedule: 'squaredcos_cap_v2', betaStart: 0, betaEnd: 0 });
  assert.ok(Math.abs(cosine.betas[0] - 4.128422482196914e-5) < 1e-15);
  assert.ok(Math.abs(cosine.betas[500] - 0.003155691441585007) < 1e-15);
  assert.equal(cosine.betas[999], 0.999);
  assert.ok(Math.abs(cosine.alphasCumprod[499] - 0.49384359) < 1e-8);
});

test('trained betas are used as given, and bad ones are refused with the key named', () => {
  const s = makeSchedule({ ...DEFAULT_SCHEDULE, numTrainTimesteps: 3, trainedBetas: [0.1, 0.2, 0.5] });
  assert.deepEqual(Array.from(s.alphasCumprod), [0.9, 0.9 * 0.8, 0.9 * 0.8 * 0.5]);
  assert.throws(
    () => makeSchedule({ ...DEFAULT_SCHEDULE, numTrainTimesteps: 3, trainedBetas: [0.1, 0.2] }),
    /trained_betas has 2 values but num_train_timesteps is 3/,
  );
  assert.throws(
    () => makeSchedule({ ...DEFAULT_SCHEDULE, numTrainTimesteps: 2, trainedBetas: [0.1, 1.5] }),
    /β\[1\] = 1.5 is outside \(0, 1\)/,
  );
  assert.throws(
    () => makeSchedule({ ...DEFAULT_SCHEDULE, betaSchedule: 'cosine' as never }),
    /Unknown beta_schedule "cosine"; use one of linear, scaled_linear, squaredcos_cap_v2/,
  );
});

test('leading grids are exactly the reference grids', () => {
  assert.deepEqual(Array.from(timesteps(1000, 10)), [900, 800, 700, 600, 500, 400, 300, 200, 100, 0]);
  assert.deepEqual(Array.from(timesteps(1000, 50)).slice(0, 3), [980, 960, 940]);
  assert.deepEqual(Array.from(timesteps(1000, 3)), [666, 333, 0]);
  assert.deepEqual(Array.from(timesteps(1000, 1000)).slice(0, 2), [999, 998]);
  assert.deepEqual(Array.from(timesteps(1000, 10, 'leading', 1)).slice(0, 2), [901, 801]);
  assert.deepEqual(Array.from(nextTimesteps(timesteps(1000, 4))), [500, 250, 0, -1]);
});

test('trailing and linspace grids match numpy/diffusers', () => {
  assert.deepEqual(Array.from(timesteps(1000, 3, 'trailing')), [999, 666, 332]);
  assert.deepEqual(Array.from(timesteps(1000, 7, 'trailing')), [999, 856, 713, 570, 428, 285, 142]);
  assert.deepEqual(Array.from(timesteps(1000, 10, 'trailing')), [999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
  assert.deepEqual(Array.from(timesteps(1000, 3, 'linspace')), [999, 500, 0]);
  assert.deepEqual(Array.from(timesteps(1000, 7, 'linspace')), [999, 832, 666, 500, 333, 166, 0]);
  const l50 = Array.from(timesteps(1000, 50, 'linspace'));
  assert.deepEqual(l50.slice(0, 6), [999, 979, 958, 938, 917, 897]);
  assert.deepEqual(l50.slice(-4), [61, 41, 20, 0]);
  for (const spacing of ['leading', 'trailing', 'linspace'] as const) {
    for (const n of [1, 2, 3, 9, 27, 333, 999, 1000]) {
      const g = timesteps(1000, n, spacing);
      assert.equal(g.length, n);
      for (let i = 1; i < n; i++) assert.ok(g[i] < g[i - 1], `${spacing} ${n} decreasing`);
      assert.ok(g[0] <= 999 && g[n - 1] >= 0);
    }
  }
});

test('grid errors say what is allowed', () => {
  assert.throws(() => timesteps(1000, 0), /steps must be a whole number from 1 to 1000 \(the model's training timesteps\), got 0/);
  assert.throws(() => timesteps(1000, 1001), /from 1 to 1000.*got 1001/);
  assert.throws(() => timesteps(1000, 2.5), /got 2.5/);
  assert.throws(() => timesteps(1000, 10, 'cosine' as never), /Unknown timestep spacing "cosine"; use one of leading, trailing, linspace/);
  assert.throws(() => timesteps(1000, 1000, 'leading', 1), /not strictly decreasing inside 0..999/);
});

test('midpoints and rounding follow the reference conventions', () => {
  assert.equal(midpoint(900, 800), 850);
  assert.equal(midpoint(20, 10), 15);
  assert.equal(midpoint(999, 666), 832);
  assert.equal(midpoint(0, -1), -1);
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, -0, 2, 3]);
});
