/**
 * The ONNX adapter against closed forms: a Gaussian-data ε-model built as an ONNX graph computes the
 * exact ε, in every timestep dtype and layout, for every prediction type, with learned variance,
 * with a fixed batch; and DDIM through the adapter follows the exact ODE solution.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SCHEDULE } from '../../src/sampler/schedule';
import { alphaBarAt, predictionToEpsilon } from '../../src/model/predictionType';
import {
  alphasCumprodOf,
  buildGaussianEpsModel,
  buildTimestepEchoModel,
  scheduleMetadata,
  type GaussianModelOptions,
} from '../support/onnxBuilder';
import { exactGaussianEps, exactOdeSolution, sigmaOf } from '../support/gaussianDiffusion';
import { openBuiltModel } from '../support/tempModels';

const MU = 0.3;
const S = 0.5;
const AC = alphasCumprodOf(DEFAULT_SCHEDULE);
const META = (type: 'epsilon' | 'v_prediction' | 'sample' = 'epsilon') => scheduleMetadata(DEFAULT_SCHEDULE, type);
const gaussian = (o: Partial<GaussianModelOptions> = {}) =>
  buildGaussianEpsModel({ mu: MU, s: S, alphasCumprod: AC, metadata: META(o.predictionType), ...o });

/** Deterministic test images in roughly [-3, 3]. */
function images(count: number, per = 16, seed = 1): Float32Array {
  return Float32Array.from({ length: count * per }, (_, i) => 3 * Math.sin(seed * 12.9898 + i * 78.233));
}

/** max over pixels of |got − exact| / (1 + |exact|). */
function relativeError(got: Float32Array, x: Float32Array, t: number): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const want = exactGaussianEps(x[i], AC[t], MU, S);
    worst = Math.max(worst, Math.abs(got[i] - want) / (1 + Math.abs(want)));
  }
  return worst;
}

test('exactOdeSolution matches a fine RK4 integration of dx̄/dσ = ε', () => {
  const [abFrom, abTo] = [AC[999], AC[10]];
  const x = 1.7;
  const f = (sigma: number, xBar: number) => exactGaussianEps(xBar / Math.sqrt(1 + sigma * sigma), 1 / (1 + sigma * sigma), MU, S);
  let xBar = x / Math.sqrt(abFrom);
  const [s0, s1] = [sigmaOf(abFrom), sigmaOf(abTo)];
  const n = 20000;
  const h = (s1 - s0) / n;
  for (let i = 0; i < n; i++) {
    const s = s0 + i * h;
    const k1 = f(s, xBar);
    const k2 = f(s + h / 2, xBar + (h / 2) * k1);
    const k3 = f(s + h / 2, xBar + (h / 2) * k2);
    const k4 = f(s + h, xBar + h * k3);
    xBar += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  const numeric = xBar * Math.sqrt(abTo);
  assert.ok(Math.abs(numeric - exactOdeSolution(x, abFrom, abTo, MU, S)) < 1e-9);
  // To the clean end (ᾱ = 1): the data mean plus the noise scaled to the data spread.
  const x0 = exactOdeSolution(x, abFrom, 1, MU, S);
  assert.ok(Math.abs(x0 - (MU + (x / Math.sqrt(abFrom) - MU) * (S / Math.sqrt(S * S + sigmaOf(abFrom) ** 2)))) < 1e-12);
});

for (const timestepType of ['int64', 'int32', 'float32', 'float64'] as const) {
  for (const timestepShape of ['batch', 'one', 'scalar'] as const) {
    test(`exact ε through ONNX: timestep ${timestepType} ${timestepShape}`, async () => {
      const { model, close } = await openBuiltModel(gaussian({ timestepType, timestepShape }).bytes);
      try {
        assert.equal(model.info.timestepDtype, timestepType);
        assert.equal(model.info.timestepLayout, timestepShape);
        const x = images(3);
        for (const t of [0, 1, 250, 999]) assert.ok(relativeError(await model.eps(x, t), x, t) < 2e-6, `t=${t}`);
      } finally {
        await close();
      }
    });
  }
}

for (const predictionType of ['v_prediction', 'sample'] as const) {
  test(`${predictionType} outputs are converted to ε`, async () => {
    const { model, close } = await openBuiltModel(gaussian({ predictionType }).bytes);
    try {
      assert.equal(model.info.predictionType, predictionType);
      assert.equal(model.info.configSources.predictionType, 'metadata');
      const x = images(2);
      // x₀ → ε divides by √(1−ᾱ) ≈ 0.01 at t = 0, amplifying float32 rounding of the network output.
      for (const t of [0, 3, 100, 500, 999]) assert.ok(relativeError(await model.eps(x, t), x, t) < 1e-4, `t=${t}`);
    } finally {
      await close();
    }
  });
}

test('prediction conversion: exact values', () => {
  const ab = 0.64; // √ᾱ = 0.8, √(1−ᾱ) = 0.6
  const x = Float32Array.of(2, -1, 0.5);
  const v = predictionToEpsilon(Float32Array.of(1, 0, -2), x, ab, 'v_prediction');
  [2, -0.6, -1.3].forEach((want, i) => assert.ok(Math.abs(v[i] - want) < 1e-6, `v[${i}] = ${v[i]}`));
  const x0 = predictionToEpsilon(Float32Array.of(1, 0, -2), x, ab, 'sample');
  [2, -1 / 0.6, (0.5 + 1.6) / 0.6].forEach((want, i) => assert.ok(Math.abs(x0[i] - want) < 1e-6, `x0[${i}] = ${x0[i]}`));
  const eps = Float32Array.of(1, 2, 3);
  assert.equal(predictionToEpsilon(eps, x, ab, 'epsilon'), eps);
  assert.throws(() => predictionToEpsilon(Float32Array.of(1), Float32Array.of(1), 1, 'sample'), /ᾱ = 1/);
  // ᾱ at fractional t: log-linear between neighbours, clamped to the grid.
  const mid = alphaBarAt(AC, 10.5);
  assert.ok(Math.abs(mid - Math.sqrt(AC[10] * AC[11])) < 1e-15);
  assert.equal(alphaBarAt(AC, -3), AC[0]);
  assert.equal(alphaBarAt(AC, 5000), AC[999]);
});

test('learned variance: eps() keeps the first C of 2C output channels; epsWithVariance() returns the second C too', async () => {
  const plain = await openBuiltModel(gaussian().bytes);
  const learned = await openBuiltModel(gaussian({ learnedVariance: true, channels: 2 }).bytes);
  const plain2 = await openBuiltModel(gaussian({ channels: 2 }).bytes);
  try {
    assert.equal(learned.model.info.outputChannels, 4);
    const x = images(3, 32);
    for (const t of [0, 600]) assert.deepEqual(await learned.model.eps(x, t), await plain2.model.eps(x, t));
    const both = await learned.model.epsWithVariance(x, 600);
    assert.deepEqual(both.eps, await plain2.model.eps(x, 600));
    assert.deepEqual(both.variance, x, 'the builder puts a copy of x in the variance channels');
    assert.equal(plain.model.info.outputChannels, 1);
    await assert.rejects(
      plain.model.epsWithVariance(images(1), 600),
      /outputs 1 channels, ε only, so it has no variance .*use the variance fixed_small/,
    );
  } finally {
    await Promise.all([plain.close(), learned.close(), plain2.close()]);
  }
});

test('a fixed-batch-1 model is run image by image, with the same result as a batched one', async () => {
  const fixed = await openBuiltModel(gaussian({ batch: 1 }).bytes, { batch: 8 });
  const dynamic = await openBuiltModel(gaussian().bytes);
  const chunked = await openBuiltModel(gaussian().bytes, { batch: 2 });
  try {
    assert.equal(fixed.model.info.fixedBatch, 1);
    assert.equal(fixed.model.info.maxBatch, 1);
    const x = images(5);
    const a = await fixed.model.eps(x, 321);
    assert.equal(fixed.model.runs, 5);
    const b = await dynamic.model.eps(x, 321);
    assert.equal(dynamic.model.runs, 1);
    const c = await chunked.model.eps(x, 321);
    assert.equal(chunked.model.runs, 3);
    assert.deepEqual(a, b);
    assert.deepEqual(c, b);
  } finally {
    await Promise.all([fixed.close(), dynamic.close(), chunked.close()]);
  }
});

test('NaN from the model is passed through, not hidden', async () => {
  const { model, close } = await openBuiltModel(gaussian({ emitNaN: true }).bytes);
  try {
    const eps = await model.eps(images(1), 10);
    assert.ok(eps.every((v) => Number.isNaN(v)));
  } finally {
    await close();
  }
});

test('fractional t: integer-timestep models get round(t) clamped to [0, T−1]; float ones get t', async () => {
  const int = await openBuiltModel(buildTimestepEchoModel({ timestepType: 'int64', metadata: META() }));
  const float = await openBuiltModel(buildTimestepEchoModel({ timestepType: 'float32', metadata: META() }));
  try {
    const x = new Float32Array(16);
    const seen = async (m: typeof int, t: number) => (await m.model.eps(x, t))[0];
    assert.equal(await seen(int, 3.4), 3);
    assert.equal(await seen(int, 3.6), 4);
    assert.equal(await seen(int, -2), 0);
    assert.equal(await seen(int, 1e6), 999);
    assert.equal(await seen(float, 3.4), Math.fround(3.4));
    assert.equal(await seen(float, 998.75), 998.75);
  } finally {
    await Promise.all([int.close(), float.close()]);
  }
});

test('DDIM through the adapter converges to the exact ODE solution', async () => {
  const { model, close } = await openBuiltModel(gaussian().bytes);
  try {
    const xT = images(2);
    const exact = Array.from(xT, (v) => exactOdeSolution(v, AC[999], 1, MU, S));
    const ddim = async (steps: number) => {
      const stride = 1000 / steps;
      let x = xT.slice();
      for (let i = 0; i < steps; i++) {
        const t = 999 - i * stride;
        const next = t - stride;
        const [ab, abNext] = [AC[t], next >= 0 ? AC[next] : 1];
        const eps = await model.eps(x, t);
        x = x.map((v, j) => {
          const x0 = (v - Math.sqrt(1 - ab) * eps[j]) / Math.sqrt(ab);
          return Math.sqrt(abNext) * x0 + Math.sqrt(1 - abNext) * eps[j];
        });
      }
      return Math.max(...Array.from(x, (v, j) => Math.abs(v - exact[j])));
    };
    const coarse = await ddim(100);
    const fine = await ddim(1000);
    assert.ok(fine < coarse / 5, `100 steps: ${coarse}, 1000 steps: ${fine}`);
    assert.ok(fine < 1e-2, `1000 steps: ${fine}`); // DDIM is first order: error ∝ step size
  } finally {
    await close();
  }
});
