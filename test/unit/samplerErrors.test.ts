import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SETTINGS, NonFiniteError, sample, SamplingCancelled, SeededNoise } from '../../src/sampler';
import { gaussianModel, noiseFor, schedule } from '../support/sampling';

const xT = noiseFor(2, 4);

test('a model that returns NaN stops the run at that step and says which', async () => {
  let calls = 0;
  const model = {
    async eps(x: Float32Array) {
      calls++;
      const out = new Float32Array(x.length).fill(0.1);
      if (calls === 5) out[3] = NaN;
      return out;
    },
  };
  await assert.rejects(
    sample(model, schedule, xT, 2, { ...DEFAULT_SETTINGS, sampler: 'ddim', steps: 10 }),
    (e: unknown) =>
      e instanceof NonFiniteError &&
      e.step === 4 &&
      e.t === 500 &&
      /NaN or Inf at step 5 \(t = 500\) in the model output; the run was stopped\. Check that the model expects images in \[-1, 1\]/.test(
        e.message,
      ),
  );
  assert.equal(calls, 5);
});

test('an infinite state after a step is caught too', async () => {
  const model = { eps: async (x: Float32Array) => new Float32Array(x.length).fill(1e38) };
  await assert.rejects(
    sample(model, schedule, xT, 2, { ...DEFAULT_SETTINGS, sampler: 'ddim', steps: 2 }),
    /NaN or Inf at step 1 \(t = 500\) in the sample after the step/,
  );
});

test('cancelling stops before the next model call', async () => {
  const controller = new AbortController();
  const model = gaussianModel();
  const run = sample(
    model,
    schedule,
    xT,
    2,
    { ...DEFAULT_SETTINGS, steps: 20 },
    {
      signal: controller.signal,
      onStep: (s) => {
        if (s.step === 4) controller.abort();
      },
    },
  );
  await assert.rejects(run, (e: unknown) => e instanceof SamplingCancelled && e.message === 'Sampling was cancelled.');
  assert.equal(model.calls.length, 4 * 3 + 2, 'three warm-up steps and two multistep calls, nothing after the cancel');
});

test('a model whose output has the wrong size is refused with what to fix', async () => {
  const model = { eps: async () => new Float32Array(3) };
  await assert.rejects(
    sample(model, schedule, xT, 2, DEFAULT_SETTINGS),
    /The model returned 3 values for an input of 8; its output must match the image input's shape/,
  );
});

test('stochastic settings without a noise source, and x_T that is not whole images, are refused', async () => {
  await assert.rejects(
    sample(gaussianModel(), schedule, xT, 2, { ...DEFAULT_SETTINGS, sampler: 'ddpm' }),
    /DDPM with these settings is stochastic: give it a noise source \(a seed\)/,
  );
  await assert.rejects(sample(gaussianModel(), schedule, xT, 3, DEFAULT_SETTINGS), /x_T has 8 values, which is not 3 whole images/);
  await assert.rejects(
    sample(gaussianModel(), schedule, xT, 2, { ...DEFAULT_SETTINGS, steps: 0 }),
    /steps must be a whole number from 1 to 1000/,
  );
  await assert.rejects(
    sample(gaussianModel(), schedule, xT, 2, { ...DEFAULT_SETTINGS, sampler: 'euler' as never }),
    /Unknown sampler "euler"/,
  );
  await assert.doesNotReject(
    sample(gaussianModel(), schedule, xT, 2, { ...DEFAULT_SETTINGS, sampler: 'ddpm', steps: 5 }, { noise: new SeededNoise(1) }),
  );
});

test('the adaptive solver gives up with advice instead of looping forever', async () => {
  // a model whose ε jumps wildly between calls defeats error control
  let flip = 1;
  const model = { eps: async (x: Float32Array) => new Float32Array(x.length).fill((flip = -flip) * 1e3) };
  await assert.rejects(
    sample(model, schedule, xT, 2, { ...DEFAULT_SETTINGS, sampler: 'pf', options: { ...DEFAULT_SETTINGS.options, tolerance: 1e-6 } }),
    /The probability-flow solver took 10000 steps without finishing; loosen its tolerance \(now 0.000001\)/,
  );
});
