/**
 * A run that cannot work is refused before it starts, with the numbers: more steps than the model's
 * training timesteps, or a batch over the memory budget. The panel checks (preflightRun) before it
 * creates a run; the worker checks again before its first model call.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelInfo } from '../../src/model/onnxModel';
import { preflightRun } from '../../src/extension/preflight';
import { runInWorker, type RunnableModel } from '../../src/extension/workerRun';
import type { FromWorker, RunRequest } from '../../src/extension/workerProtocol';
import { DEFAULT_SCHEDULE } from '../../src/sampler';
import { SOLVER_OPTION_DEFAULTS } from '../../src/protocol';

const big = { imageShape: { channels: 1, height: 512, width: 512 }, numTrainTimesteps: 1000 };
const t100 = { imageShape: { channels: 1, height: 4, width: 4 }, numTrainTimesteps: 100 };

test('a batch whose sampler state is over the budget is refused with the bytes and the largest batch that fits', () => {
  assert.equal(
    preflightRun({ sampler: 'f-pndm', steps: 50, samples: 1024 }, big),
    'Generate refused: 1024 samples of 1×512×512 with F-PNDM would hold 10.0 GiB of sampler state, over the 2.0 GiB budget; use at most 204 samples.',
  );
  // history matters: DDIM keeps one ε, PF-ODE eight
  assert.match(preflightRun({ sampler: 'ddim', steps: 50, samples: 1024 }, big)!, /would hold 7\.0 GiB .*use at most 292 samples\.$/);
  assert.match(preflightRun({ sampler: 'pf', steps: 50, samples: 1024 }, big)!, /PF-ODE would hold 14\.0 GiB .*use at most 146 samples\.$/);
  // the largest batch it names does fit, one more does not
  assert.equal(preflightRun({ sampler: 'f-pndm', steps: 50, samples: 204 }, big), undefined);
  assert.match(preflightRun({ sampler: 'f-pndm', steps: 50, samples: 205 }, big)!, /use at most 204 samples/);
  // the bundled model's size never comes near it
  assert.equal(
    preflightRun({ sampler: 'pf', steps: 1000, samples: 1024 }, { ...big, imageShape: { channels: 1, height: 32, width: 32 } }),
    undefined,
  );
});

test("more steps than the model's training timesteps are refused, naming T", () => {
  assert.equal(
    preflightRun({ sampler: 'ddim', steps: 500, samples: 1 }, t100),
    "Generate refused: 500 steps is more than the model's 100 training timesteps; use at most 100 steps.",
  );
  assert.equal(preflightRun({ sampler: 'ddim', steps: 100, samples: 1 }, t100), undefined);
  assert.equal(preflightRun({ sampler: 'ddim', steps: 1, samples: 1 }, t100), undefined);
});

test("fewer steps than the solver's order are refused before the run, with what to change", () => {
  assert.equal(
    preflightRun({ sampler: 'unipc', steps: 2, samples: 1, solverOrder: 3 }, t100),
    'Generate refused: UniPC needs at least 3 steps (its order), got 2; use more steps or a lower order.',
  );
  assert.equal(preflightRun({ sampler: 'unipc', steps: 2, samples: 1, solverOrder: 0 }, t100), undefined, 'its default order 2');
  assert.equal(preflightRun({ sampler: 'ddim', steps: 2, samples: 1, solverOrder: 3 }, t100), undefined, 'DDIM has no order');
});

test('the worker refuses such a run before its first model call, with the same message', async () => {
  let calls = 0;
  const model: RunnableModel = {
    modelMs: 0,
    info: {
      imageShape: t100.imageShape,
      schedule: { ...DEFAULT_SCHEDULE, numTrainTimesteps: 100 },
      provider: 'cpu',
    } as unknown as ModelInfo,
    eps: async (x) => (calls++, new Float32Array(x.length)),
  };
  const request: RunRequest = {
    type: 'run',
    id: 3,
    modelPath: '/m.onnx',
    provider: 'cpu',
    sampler: 'ddim',
    steps: 500,
    spacing: 'leading',
    eta: 0,
    variance: 'auto',
    ...SOLVER_OPTION_DEFAULTS,
    samples: 2,
    seed: 0,
    preview: 'x0',
  };
  const messages: FromWorker[] = [];
  await runInWorker(model, request, new AbortController().signal, (m) => void messages.push(m));
  assert.deepEqual(messages, [
    {
      type: 'failed',
      id: 3,
      message: "Generate refused: 500 steps is more than the model's 100 training timesteps; use at most 100 steps.",
      cancelled: false,
    },
  ]);
  assert.equal(calls, 0);
});
