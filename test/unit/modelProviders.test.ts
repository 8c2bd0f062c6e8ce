/**
 * Execution providers: what each choice asks onnxruntime for on each platform, the fallback to CPU with
 * a message saying why and how to enable the provider, and that the provider in use is always reported.
 * An injected session factory plays a provider whose libraries are missing.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { InferenceSession } from 'onnxruntime-node';
import {
  autoProviders,
  createSession,
  defaultSessionFactory,
  openCandidates,
  type SessionFactory,
  type SessionLike,
} from '../../src/model/providers';
import { openOnnxModel } from '../../src/model/onnxModel';
import { DEFAULT_SCHEDULE } from '../../src/sampler/schedule';
import { alphasCumprodOf, buildGaussianEpsModel, scheduleMetadata } from '../support/onnxBuilder';
import { tempDir, writeModel } from '../support/tempModels';

// A tiny model keeps the many session creations here fast.
const folder = tempDir();
after(folder.cleanup);
const tiny = writeModel(
  folder.dir,
  buildGaussianEpsModel({ mu: 0, s: 1, alphasCumprod: alphasCumprodOf(DEFAULT_SCHEDULE), metadata: scheduleMetadata(DEFAULT_SCHEDULE) })
    .bytes,
);
const modelPath = () => tiny;
const PER = 16;

type Call = InferenceSession.SessionOptions;

/** A factory that fails for the `failing` providers and otherwise opens a real CPU session. */
function fakeFactory(failing: string[], calls: Call[] = []): SessionFactory {
  return async (path, options) => {
    calls.push(options);
    const first = String(options.executionProviders?.[0]);
    if (failing.includes(first)) {
      throw new Error(`OrtSessionOptionsAppendExecutionProvider_${first}: Failed to load shared library\nsecond line`);
    }
    return defaultSessionFactory(path, { ...options, executionProviders: ['cpu'] });
  };
}

test('auto on Linux x64 with an NVIDIA driver: CUDA fails to load → told why and how to enable CUDA; WebGPU tried next', async () => {
  const calls: Call[] = [];
  const opened = await createSession(modelPath(), {
    sessionFactory: fakeFactory(['cuda', 'webgpu'], calls),
    platform: 'linux',
    arch: 'x64',
    nvidiaDriver: true,
  });
  try {
    assert.equal(opened.provider, 'cpu');
    assert.equal(opened.requested, 'auto');
    assert.deepEqual(
      calls.map((c) => c.executionProviders),
      [['cuda', 'cpu'], ['webgpu', 'cpu'], ['cpu']],
    );
    assert.equal(calls[0].graphOptimizationLevel, 'all');
    assert.equal('intraOpNumThreads' in calls[0], false, 'threads are left to onnxruntime by default');
    assert.equal(opened.messages.length, 1);
    assert.match(
      opened.messages[0],
      /^auto: the CUDA execution provider could not be used \(OrtSessionOptionsAppendExecutionProvider_cuda: Failed to load shared library\); running on CPU instead\. To use an NVIDIA GPU: install CUDA 12 and cuDNN 9, then fetch onnxruntime-node's CUDA libraries: `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js` \(README: GPU\)\.$/,
    );
    // no WebGPU adapter is absent hardware: a log note, not a message
    assert.equal(opened.notes.length, 1);
    assert.match(opened.notes[0], /^auto: the WebGPU execution provider could not be used/);
  } finally {
    await opened.session.release();
  }
});

test('auto on Linux without an NVIDIA driver says nothing about CUDA to the user (one log note) and does not try it', async () => {
  const calls: Call[] = [];
  const opened = await createSession(modelPath(), {
    sessionFactory: fakeFactory(['cuda', 'webgpu'], calls),
    platform: 'linux',
    arch: 'x64',
    nvidiaDriver: false,
  });
  try {
    assert.deepEqual(
      calls.map((c) => c.executionProviders),
      [['webgpu', 'cpu'], ['cpu']],
    );
    assert.deepEqual(opened.messages, []);
    assert.deepEqual(opened.notes[0], 'auto: no NVIDIA driver on this machine, so CUDA was not tried.');
    assert.ok(!opened.notes.slice(1).some((n) => /CUDA/.test(n)));
  } finally {
    await opened.session.release();
  }
});

test('openCandidates opens every provider that loads, CPU last, and releases them all when CPU fails', async () => {
  const both = await openCandidates(modelPath(), {
    sessionFactory: fakeFactory(['cuda']),
    platform: 'linux',
    arch: 'x64',
    nvidiaDriver: false,
  });
  try {
    assert.deepEqual(
      both.sessions.map((s) => s.provider),
      ['webgpu', 'cpu'],
    );
  } finally {
    await Promise.all(both.sessions.map((s) => s.session.release()));
  }
  let released = 0;
  const factory: SessionFactory = async (path, options) => {
    if (options.executionProviders?.[0] === 'cpu') throw new Error('no CPU session');
    const real = await defaultSessionFactory(path, { ...options, executionProviders: ['cpu'] });
    return {
      ...real,
      inputNames: real.inputNames,
      outputNames: real.outputNames,
      inputMetadata: real.inputMetadata,
      outputMetadata: real.outputMetadata,
      run: (f) => real.run(f),
      release: async () => {
        released++;
        await real.release();
      },
    };
  };
  await assert.rejects(
    openCandidates(modelPath(), { sessionFactory: factory, platform: 'linux', arch: 'x64', nvidiaDriver: false }),
    /no CPU session/,
  );
  assert.equal(released, 1, 'the WebGPU session that did open was released');
});

test('openOnnxModel reports the provider in use and the fallback messages', async () => {
  const model = await openOnnxModel(modelPath(), {
    provider: 'cuda',
    sessionFactory: fakeFactory(['cuda']),
    platform: 'linux',
    intraOpNumThreads: 1,
  });
  try {
    assert.equal(model.info.provider, 'cpu');
    assert.equal(model.info.requestedProvider, 'cuda');
    assert.equal(model.info.providerMessages.length, 1);
    assert.match(model.info.providerMessages[0], /^the CUDA execution provider could not be used .*ONNXRUNTIME_NODE_INSTALL=cuda12/);
    assert.equal((await model.eps(new Float32Array(PER), 10)).length, PER);
  } finally {
    await model.dispose();
  }
});

test('each choice asks onnxruntime for the documented providers, per platform', async () => {
  const asked = async (provider: 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu', platform: NodeJS.Platform) => {
    const calls: Call[] = [];
    const opened = await createSession(modelPath(), {
      provider,
      platform,
      sessionFactory: fakeFactory(['cuda', 'dml', 'coreml', 'webgpu'], calls),
      intraOpNumThreads: 2,
    });
    await opened.session.release();
    assert.equal(opened.provider, 'cpu');
    assert.ok(calls.every((c) => c.intraOpNumThreads === 2 && c.graphOptimizationLevel === 'all'));
    return { eps: calls.map((c) => c.executionProviders), messages: opened.messages };
  };
  assert.deepEqual((await asked('auto', 'win32')).eps, [['dml', 'cpu'], ['webgpu', 'cpu'], ['cpu']]);
  assert.deepEqual((await asked('auto', 'darwin')).eps, [['coreml', 'cpu'], ['webgpu', 'cpu'], ['cpu']]);
  assert.deepEqual((await asked('auto', 'win32')).messages, [], 'no DirectML device / WebGPU adapter is not a warning under auto');
  assert.deepEqual((await asked('auto', 'freebsd')).eps, [['cpu']]);
  assert.deepEqual((await asked('cpu', 'linux')).eps, [['cpu']]);
  assert.deepEqual((await asked('cpu', 'linux')).messages, []);
  const webgpu = await asked('webgpu', 'linux');
  assert.deepEqual(webgpu.eps, [['webgpu', 'cpu'], ['cpu']]);
  assert.match(webgpu.messages[0], /^the WebGPU execution provider could not be used .*needs a Vulkan driver Dawn accepts.*Mesa ≥ 24/);
  assert.match(
    (await asked('dml', 'linux')).messages[0],
    /DirectML execution provider could not be used .*DirectML exists only on Windows\./,
  );
  assert.match((await asked('coreml', 'win32')).messages[0], /CoreML exists only on macOS\./);
  assert.match((await asked('cuda', 'win32')).messages[0], /prebuilt CUDA provider exists only for Linux x64; on Windows choose dml/);
});

test('a provider that loads is reported as in use', async () => {
  const opened = await createSession(modelPath(), { provider: 'cuda', sessionFactory: fakeFactory([]), platform: 'linux' });
  try {
    assert.equal(opened.provider, 'cuda');
    assert.deepEqual(opened.messages, []);
  } finally {
    await opened.session.release();
  }
});

test('a GPU session that fails at run time is replaced by a CPU one, and the result is still right', async () => {
  let gpuRuns = 0;
  const factory: SessionFactory = async (path, options) => {
    const real = await defaultSessionFactory(path, { ...options, executionProviders: ['cpu'] });
    if (options.executionProviders?.[0] !== 'cuda') return real;
    const failing: SessionLike = {
      inputNames: real.inputNames,
      outputNames: real.outputNames,
      inputMetadata: real.inputMetadata,
      outputMetadata: real.outputMetadata,
      run: async () => {
        gpuRuns++;
        throw new Error('CUDA failure 2: out of memory');
      },
      release: () => real.release(),
    };
    return failing;
  };
  const gpu = await openOnnxModel(modelPath(), { provider: 'cuda', sessionFactory: factory, platform: 'linux' });
  const cpu = await openOnnxModel(modelPath(), { provider: 'cpu' });
  try {
    assert.equal(gpu.info.provider, 'cuda');
    const x = Float32Array.from({ length: PER }, (_, i) => Math.sin(i));
    assert.deepEqual(await gpu.eps(x, 400), await cpu.eps(x, 400));
    assert.equal(gpuRuns, 1);
    assert.equal(gpu.info.provider, 'cpu');
    assert.match(
      gpu.info.providerMessages.at(-1)!,
      /CUDA execution provider could not be used \(CUDA failure 2: out of memory\); running on CPU instead/,
    );
  } finally {
    await Promise.all([gpu.dispose(), cpu.dispose()]);
  }
});

test('auto candidates per platform and architecture', () => {
  assert.deepEqual(autoProviders('linux', true, 'x64'), ['cuda', 'webgpu']);
  assert.deepEqual(autoProviders('linux', false, 'x64'), ['webgpu']);
  assert.deepEqual(autoProviders('linux', true, 'arm64'), [], 'onnxruntime-node ships neither CUDA nor WebGPU for Linux arm64');
  assert.deepEqual(autoProviders('win32', true, 'x64'), ['dml', 'webgpu']);
  assert.deepEqual(autoProviders('darwin', false, 'arm64'), ['coreml', 'webgpu']);
  assert.deepEqual(autoProviders('freebsd', false, 'x64'), []);
});

test('the real default factory: auto always ends on a working provider and says which', async () => {
  const model = await openOnnxModel(modelPath(), { choiceCachePath: null });
  try {
    assert.ok(['cpu', 'cuda', 'dml', 'coreml', 'webgpu'].includes(model.info.provider));
    assert.ok(
      !model.info.providerMessages.some((m) => /CUDA/.test(m)) || existsSync('/proc/driver/nvidia/version'),
      'CUDA is mentioned only with an NVIDIA driver',
    );
  } finally {
    await model.dispose();
  }
});

test('a provider these onnxruntime binaries lack is not silently run on CPU under its name: fallback, said', async () => {
  // onnxruntime-node itself would drop "dml" on Linux with a console line and report nothing
  const missing = process.platform === 'win32' ? 'coreml' : 'dml';
  const model = await openOnnxModel(modelPath(), { provider: missing });
  try {
    assert.equal(model.info.provider, 'cpu');
    assert.match(
      model.info.providerMessages[0],
      new RegExp(
        `could not be used \\(onnxruntime-node [\\d.]+ has no ${missing} provider for ${process.platform}-${process.arch}\\); running on CPU instead`,
      ),
    );
  } finally {
    await model.dispose();
  }
});
