/**
 * DDPM's step variance (issue 7, item 1): diffusers' DDPMScheduler semantics, fixed_small by default.
 * A zero model and a noise source of ones make σ readable directly: after the first step from x_T = 0,
 * every value is σ.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SETTINGS, sample, type EpsModel, type MethodOptions, type NoiseSource, type StepInfo } from '../../src/sampler';
import { alphaBar, schedule } from '../support/sampling';

const ones: NoiseSource = { fill: (_image, out) => void out.fill(1) };
const zeroModel = (variance?: number): EpsModel => ({
  eps: (x) => Promise.resolve(new Float32Array(x.length)),
  ...(variance === undefined
    ? {}
    : {
        epsWithVariance: (x: Float32Array) =>
          Promise.resolve({ eps: new Float32Array(x.length), variance: new Float32Array(x.length).fill(variance) }),
      }),
});

/** σ of the first step of a 3-step leading grid (666 → 333). */
async function firstSigma(options: Partial<MethodOptions>, model = zeroModel()): Promise<number> {
  const steps: StepInfo[] = [];
  await sample(
    model,
    schedule,
    new Float32Array(8),
    2,
    { ...DEFAULT_SETTINGS, sampler: 'ddpm', steps: 3, options: { ...DEFAULT_SETTINGS.options, ...options } },
    { noise: ones, onStep: (s) => void steps.push(s) },
  );
  const x = steps[0].x;
  assert.ok(x.every((v) => v === x[0]));
  return x[0];
}

const beta = 1 - alphaBar(666) / alphaBar(333);
const posterior = ((1 - alphaBar(333)) / (1 - alphaBar(666))) * beta;
const close = (got: number, want: number, what: string) => assert.ok(Math.abs(got / want - 1) < 1e-6, `${what}: ${got} vs ${want}`);

test('the default variance is the posterior β̃ = (1−ᾱ′)/(1−ᾱ)·β of the strided step (fixed_small), as diffusers', async () => {
  assert.equal(DEFAULT_SETTINGS.options.variance, 'fixed_small');
  assert.equal(await firstSigma({}), Math.fround(Math.sqrt(posterior)));
  assert.equal(await firstSigma({ variance: 'fixed_large' }), Math.fround(Math.sqrt(beta)));
  assert.ok(posterior < 0.75 * beta, 'on a strided grid the two differ a lot');
});

test('learned: σ² is the model variance output; learned_range interpolates log β̃ … log β by (v + 1)/2', async () => {
  close(await firstSigma({ variance: 'learned' }, zeroModel(posterior)), Math.sqrt(posterior), 'learned β̃');
  close(await firstSigma({ variance: 'learned_range' }, zeroModel(-1)), Math.sqrt(posterior), 'learned_range −1');
  close(await firstSigma({ variance: 'learned_range' }, zeroModel(1)), Math.sqrt(beta), 'learned_range +1');
  close(await firstSigma({ variance: 'learned_range' }, zeroModel(0)), (posterior * beta) ** 0.25, 'learned_range 0');
});

test('learned variances need a model that predicts one, and a non-negative one for learned', async () => {
  await assert.rejects(
    firstSigma({ variance: 'learned_range' }),
    /the model predicts ε only \(C output channels, not 2C\): use the variance fixed_small/,
  );
  await assert.rejects(
    firstSigma({ variance: 'learned' }, zeroModel(-0.5)),
    /variance output is negative \(-0\.5\) at step 1 \(t = 666\), so it is not a variance: .* use the variance learned_range, otherwise fixed_small/,
  );
});
