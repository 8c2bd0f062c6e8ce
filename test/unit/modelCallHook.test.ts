import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runJob } from '../../src/runner/runJob';
import { DEFAULT_SCHEDULE, DEFAULT_SETTINGS, sample, SeededNoise, type ModelCallInfo } from '../../src/sampler';
import { gaussianModel, noiseFor, schedule } from '../support/sampling';

test('onModelCall sees every counted model call with its t, input, ε and running count, before the step it serves ends', async () => {
  const model = gaussianModel();
  const xT = noiseFor(2, 16, 4);
  const events: string[] = [];
  const calls: ModelCallInfo[] = [];
  const result = await sample(
    model,
    schedule,
    xT,
    2,
    { ...DEFAULT_SETTINGS, sampler: 'f-pndm', steps: 6 },
    {
      onModelCall: (c) => {
        calls.push(c);
        events.push(`call ${c.nfe}`);
      },
      onStep: (s) => void events.push(`step ${s.step}`),
    },
  );
  assert.equal(result.nfe, 6 + 9);
  assert.deepEqual(
    calls.map((c) => c.nfe),
    Array.from({ length: 15 }, (_, i) => i + 1),
  );
  assert.deepEqual(
    calls.map((c) => c.t),
    model.calls.map((c) => c.t),
  );
  for (let i = 0; i < calls.length; i++) {
    assert.deepEqual(calls[i].x, model.calls[i].x, `call ${i + 1}: the input the model saw`);
    assert.deepEqual(calls[i].eps, await model.eps(model.calls[i].x, model.calls[i].t), `call ${i + 1}: the model's ε`);
  }
  // F-PNDM's first step takes 4 calls: all four are reported before the step is
  assert.deepEqual(events.slice(0, 6), ['call 1', 'call 2', 'call 3', 'call 4', 'step 0', 'call 5']);
});

test('runJob passes onModelCall to the sampler (the worker previews x̂₀ from it rather than wrapping the model)', async () => {
  const gauss = gaussianModel();
  const ts: number[] = [];
  const result = await runJob(
    {
      eps: (x, t) => gauss.eps(x, t),
      imageShape: { channels: 1, height: 4, width: 4 },
      schedule: DEFAULT_SCHEDULE,
      modelMs: () => 0,
      provider: 'cpu',
    },
    { settings: { ...DEFAULT_SETTINGS, sampler: 'ddim', steps: 4 }, samples: 3, seed: 1 },
    { onModelCall: ({ t }) => void ts.push(t) },
  );
  assert.equal(result.nfe, 4);
  assert.deepEqual(ts, [750, 500, 250, 0]);
});

test('a throwing onModelCall stops the run with its error', async () => {
  await assert.rejects(
    sample(
      gaussianModel(),
      schedule,
      noiseFor(1, 4),
      1,
      { ...DEFAULT_SETTINGS, sampler: 'ddpm', steps: 3 },
      {
        noise: new SeededNoise(0),
        onModelCall: ({ nfe }) => {
          if (nfe === 2) throw new Error('stop here');
        },
      },
    ),
    /stop here/,
  );
});
