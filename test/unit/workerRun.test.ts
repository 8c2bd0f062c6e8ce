import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeNpy } from '../../src/io';
import type { ModelInfo } from '../../src/model/onnxModel';
import { runInWorker, type RunnableModel } from '../../src/extension/workerRun';
import type { DoneReply, FailedReply, FrameReply, FromWorker, RunRequest } from '../../src/extension/workerProtocol';
import { runJob } from '../../src/runner/runJob';
import { DEFAULT_SCHEDULE, DEFAULT_SETTINGS, initialNoise, makeSchedule, predictX0, SeededNoise } from '../../src/sampler';
import { makeFrame } from '../../src/extension/frames';
import { gaussianModel } from '../support/sampling';
import { repoRoot } from '../support/paths';
import { SOLVER_OPTION_DEFAULTS } from '../../src/protocol';

const shape = { channels: 1, height: 4, width: 4 };

function fakeModel(eps: RunnableModel['eps']): RunnableModel & { calls: number } {
  const model = {
    calls: 0,
    modelMs: 0,
    info: { imageShape: shape, schedule: DEFAULT_SCHEDULE, provider: 'cpu', setAlphaToOne: true, stepsOffset: 0 } as unknown as ModelInfo,
    async eps(x: Float32Array, t: number) {
      model.calls++;
      return eps(x, t);
    },
  };
  return model;
}

const request = (patch: Partial<RunRequest> = {}): RunRequest => ({
  type: 'run',
  id: 7,
  modelPath: '/m.onnx',
  provider: 'cpu',
  sampler: 'f-pndm',
  steps: 10,
  spacing: 'leading',
  eta: 0,
  variance: 'auto',
  ...SOLVER_OPTION_DEFAULTS,
  samples: 5,
  seed: 3,
  preview: 'x0',
  ...patch,
});

async function collect(model: RunnableModel, req: RunRequest, signal = new AbortController().signal) {
  const messages: FromWorker[] = [];
  await runInWorker(model, req, signal, (m) => void messages.push(m));
  return messages;
}

test("a run sends started, the x_T frame, step frames, the final frame and done — with runJob's own result", async () => {
  const gauss = gaussianModel();
  const model = fakeModel((x, t) => gauss.eps(x, t));
  const messages = await collect(model, request());
  assert.equal(messages[0].type, 'started');
  const frames = messages.filter((m): m is FrameReply => m.type === 'frame');
  assert.equal(frames.length, 1 + 1 + 9 + 1); // x_T, x̂₀ after the first model call, steps 1..9, final
  assert.equal(frames[0].progress.step, 0);
  assert.equal(frames[0].progress.nfe, 0);
  assert.deepEqual([frames[1].progress.step, frames[1].progress.nfe], [0, 1]);
  assert.equal(frames.at(-1)!.final, true);
  assert.equal(frames.filter((f) => f.final).length, 1);
  for (const f of frames) {
    assert.equal(f.frame.count, 5);
    assert.equal(f.frame.width, 3 * 4 + 2 * 2); // ⌈√5⌉ = 3 columns, 2-pixel gaps
    assert.equal(f.frame.height, 2 * 4 + 2);
    assert.equal(f.frame.pixels.byteLength, f.frame.width * f.frame.height);
  }
  const done = messages.at(-1) as DoneReply;
  assert.equal(done.type, 'done');
  assert.equal(done.nfe, 19); // F-PNDM: N + 9
  assert.match(done.line, /^F-PNDM, 10 steps, 5 samples: 19 model calls on cpu/);
  const reference = await runJob(
    { eps: (x, t) => gauss.eps(x, t), imageShape: shape, schedule: DEFAULT_SCHEDULE, modelMs: () => 0, provider: 'cpu' },
    { settings: { ...DEFAULT_SETTINGS, steps: 10 }, samples: 5, seed: 3 },
  );
  assert.deepEqual(Array.from(new Float32Array(done.x)), Array.from(reference.x));
});

test('stochastic samplers give the seeded result too (x_T passed as noise continues the same stream)', async () => {
  const gauss = gaussianModel();
  const messages = await collect(
    fakeModel((x, t) => gauss.eps(x, t)),
    request({ sampler: 'ddim', eta: 1, steps: 6 }),
  );
  const done = messages.at(-1) as DoneReply;
  const reference = await runJob(
    { eps: (x, t) => gauss.eps(x, t), imageShape: shape, schedule: DEFAULT_SCHEDULE, modelMs: () => 0, provider: 'cpu' },
    { settings: { ...DEFAULT_SETTINGS, sampler: 'ddim', steps: 6, options: { ...DEFAULT_SETTINGS.options, eta: 1 } }, samples: 5, seed: 3 },
  );
  assert.deepEqual(Array.from(new Float32Array(done.x)), Array.from(reference.x));
});

test('the worker sends every step as a frame, however fast: one throttle, in the host (it used to drop frames too)', async () => {
  const gauss = gaussianModel();
  const messages = await collect(
    fakeModel((x, t) => gauss.eps(x, t)),
    request({ steps: 30, preview: 'xt' }),
  );
  const frames = messages.filter((m): m is FrameReply => m.type === 'frame');
  assert.deepEqual(
    frames.map((f) => [f.progress.step, f.final]),
    Array.from({ length: 31 }, (_, i) => [i, i === 30]),
  );
});

test('a cancel arriving as a message between two model calls stops the run before the next call', async () => {
  const gauss = gaussianModel();
  const controller = new AbortController();
  const model = fakeModel((x, t) => {
    if (model.calls === 3) setImmediate(() => controller.abort()); // delivered like a worker message
    return gauss.eps(x, t);
  });
  const messages = await collect(model, request({ steps: 50 }), controller.signal);
  const last = messages.at(-1) as FailedReply;
  assert.deepEqual([last.type, last.cancelled], ['failed', true]);
  assert.equal(model.calls, 3);
});

test('a non-finite model output ends the run with a clear message', async () => {
  const messages = await collect(
    fakeModel((x) => Promise.resolve(new Float32Array(x.length).fill(NaN))),
    request(),
  );
  const last = messages.at(-1) as FailedReply;
  assert.equal(last.type, 'failed');
  assert.equal(last.cancelled, false);
  assert.match(last.message, /NaN or Inf at step 1/);
});

test('the first model call of a run is previewed as x̂₀ (F-PNDM shows digits before its 4-call first step ends)', async () => {
  const gauss = gaussianModel();
  const model = fakeModel((x, t) => gauss.eps(x, t));
  const frames = (await collect(model, request({ steps: 10 }))).filter((m): m is FrameReply => m.type === 'frame');
  const xT = initialNoise(new SeededNoise(3), 5, 16);
  const e = await gauss.eps(xT, 900);
  const expected = makeFrame(predictX0(xT, e, makeSchedule(DEFAULT_SCHEDULE).alphasCumprod[900]), 5, shape);
  assert.deepEqual(new Uint8Array(frames[1].frame.pixels), new Uint8Array(expected.pixels));
  assert.notDeepEqual(new Uint8Array(frames[1].frame.pixels), new Uint8Array(frames[0].frame.pixels));
  const xt = (
    await collect(
      fakeModel((x, t) => gauss.eps(x, t)),
      request({ preview: 'xt' }),
    )
  ).filter((m) => m.type === 'frame');
  assert.equal(xt.length, 1 + 9 + 1, 'no x̂₀ preview when the preview is the noisy state');
});

test('a run of ≥ 500 samples on the bundled model adds its FD to the summary line, as pndm fd computes it', async () => {
  const mnist = { channels: 1, height: 32, width: 32 };
  const bundled = (path: string): RunnableModel => ({
    ...fakeModel(async (x) => x.map((v) => v * 0.5)),
    info: {
      imageShape: mnist,
      schedule: DEFAULT_SCHEDULE,
      provider: 'cpu',
      setAlphaToOne: true,
      stepsOffset: 0,
      path,
    } as unknown as ModelInfo,
  });
  const modelPath = join(repoRoot(), 'models', 'mnist_ddpm.onnx');
  const run = async (path: string, samples: number) => {
    const messages = await collect(bundled(path), request({ sampler: 'ddim', steps: 2, samples, modelPath: path }));
    return messages.find((m): m is DoneReply => m.type === 'done') as DoneReply;
  };
  const done = await run(modelPath, 500);
  // the array the worker returned, scored by the CLI as pndm sample --out-npy would leave it
  const scratch = mkdtempSync(join(tmpdir(), 'pndm-worker-fd-'));
  writeFileSync(join(scratch, 'x.npy'), encodeNpy(new Float32Array(done.x), [500, 1, 32, 32]));
  execFileSync(process.execPath, [join(repoRoot(), 'bin', 'pndm.js'), 'fd', 'x.npy', '--json', 'fd.json'], {
    cwd: scratch,
    stdio: 'ignore',
  });
  const fd = (JSON.parse(readFileSync(join(scratch, 'fd.json'), 'utf8')) as { fd: number }).fd;
  assert.ok(done.line.endsWith(`; FD ${fd.toFixed(3)} against the MNIST training digits (n = 500)`), done.line);
  assert.ok(!(await run(modelPath, 499)).line.includes('FD'), 'no FD under 500 samples');
  assert.ok(!(await run('/elsewhere/model.onnx', 500)).line.includes('FD'), 'no FD for a model without the classifier beside it');
});

test('re-sampling one image (samples 1, firstImage k) gives exactly image k of the whole run, for deterministic and stochastic samplers', async () => {
  const gauss = gaussianModel();
  for (const [sampler, eta] of [
    ['f-pndm', 0],
    ['ddim', 0.7],
    ['ddpm', 0],
  ] as const) {
    const model = fakeModel((x, t) => gauss.eps(x, t));
    const whole = (await collect(model, request({ sampler, eta, samples: 5 }))).at(-1) as DoneReply;
    const perImage = shape.channels * shape.height * shape.width;
    for (const k of [0, 3]) {
      const one = (await collect(model, request({ sampler, eta, samples: 1, firstImage: k }))).at(-1) as DoneReply;
      assert.deepEqual(new Float32Array(one.x), new Float32Array(whole.x).slice(k * perImage, (k + 1) * perImage), `${sampler} image ${k}`);
    }
    const other = (await collect(model, request({ sampler, eta, samples: 1, firstImage: 1 }))).at(-1) as DoneReply;
    assert.notDeepEqual(new Float32Array(other.x), new Float32Array(whole.x).slice(3 * perImage, 4 * perImage), 'image 1 is not image 3');
  }
});

test("DDPM's variance reaches the sampler: auto is the model's variance_type, learned types read the model's variance channels", async () => {
  const gauss = gaussianModel();
  const withVariance = (variance: number) =>
    Object.assign(
      fakeModel((x, t) => gauss.eps(x, t)),
      {
        epsWithVariance: async (x: Float32Array, t: number) => ({
          eps: await gauss.eps(x, t),
          variance: new Float32Array(x.length).fill(variance),
        }),
      },
    );
  const ddpm = async (model: RunnableModel, patch: Partial<RunRequest>) =>
    (await collect(model, request({ sampler: 'ddpm', steps: 6, ...patch }))).at(-1)!;
  const small = (await ddpm(
    fakeModel((x, t) => gauss.eps(x, t)),
    {},
  )) as DoneReply;
  assert.match(small.line, /^DDPM, 6 steps \(variance fixed_small\)/);
  const range = (await ddpm(withVariance(-1), { variance: 'learned_range' })) as DoneReply;
  assert.match(range.line, /\(variance learned_range\)/);
  // learned_range at v = −1 is fixed_small (up to σ's float32 rounding)
  const a = new Float32Array(small.x);
  const b = new Float32Array(range.x);
  assert.ok(
    a.every((v, i) => Math.abs(v - b[i]) < 1e-5),
    'learned_range(−1) = fixed_small',
  );
  const plain = fakeModel((x, t) => gauss.eps(x, t));
  const large = { ...plain, eps: plain.eps, info: { ...plain.info, varianceType: 'fixed_large' } } as RunnableModel;
  assert.match(((await ddpm(large, { variance: 'auto' })) as DoneReply).line, /\(variance fixed_large\)/);
  const refused = (await ddpm(
    fakeModel((x, t) => gauss.eps(x, t)),
    { variance: 'learned' },
  )) as FailedReply;
  assert.equal(refused.type, 'failed');
  assert.match(refused.message, /the model predicts ε only \(C output channels, not 2C\): use the variance fixed_small or fixed_large/);
});
