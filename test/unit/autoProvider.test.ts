/**
 * `auto` by measurement: the fastest provider that loads wins, a slower one (a software WebGPU adapter)
 * never does, the choice and its speed-up are said in one line and remembered per (model, machine).
 * Fake timings for the arithmetic; a real model with a wrapped "GPU" session for the wiring.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  choiceCacheFile,
  describeChoice,
  fastest,
  isSoftwareAdapter,
  readChoice,
  timeCandidates,
  type TimedCandidate,
} from '../../src/model/autoProvider';
import { describeModel } from '../../src/cli/infoCommand';
import { describeModelForLog, summarizeModel } from '../../src/extension/modelSummary';
import { openOnnxModel } from '../../src/model/onnxModel';
import { defaultSessionFactory, type SessionFactory } from '../../src/model/providers';
import { ensureRuntimeDir } from '../../src/model/runtimeDir';
import { DEFAULT_SCHEDULE } from '../../src/sampler/schedule';
import { alphasCumprodOf, buildGaussianEpsModel, scheduleMetadata } from '../support/onnxBuilder';
import { tempDir, writeModel } from '../support/tempModels';

const folder = tempDir();
after(folder.cleanup);
const tiny = writeModel(
  folder.dir,
  buildGaussianEpsModel({ mu: 0, s: 1, alphasCumprod: alphasCumprodOf(DEFAULT_SCHEDULE), metadata: scheduleMetadata(DEFAULT_SCHEDULE) })
    .bytes,
);

/** A candidate whose call takes perImage·n + fixed "ms", recording the batches it was called at. */
function fake(provider: TimedCandidate['provider'], perImage: number, fixed = 0, calls: number[] = []): TimedCandidate {
  return {
    provider,
    callMs: async (n) => {
      calls.push(n);
      return fixed + perImage * n;
    },
  };
}

test('a faster GPU wins, timed at the full batch after a warm-up, and the line says by how much', async () => {
  const gpuCalls: number[] = [];
  const timings = await timeCandidates([fake('webgpu', 0.1, 1, gpuCalls), fake('cpu', 1)], 16);
  assert.equal(fastest(timings), 'webgpu');
  assert.deepEqual(gpuCalls, [1, 1, 4, 16, 16], 'warm-up at 1, 1 → 4 → 16 steps, then warm-up and timed call at 16');
  assert.deepEqual(
    timings.map((t) => [t.provider, t.ms, t.batch, t.early ?? false]),
    [
      ['cpu', 16, 16, false],
      ['webgpu', 2.6, 16, false],
    ],
  );
  assert.equal(describeChoice('webgpu', timings, 16), 'provider: webgpu, 6.2× faster than cpu in a one-call test at batch 16');
});

test('a software adapter is never picked over the CPU: it stops at the first smaller batch already slower', async () => {
  const gpuCalls: number[] = [];
  // 40× slower per image than the CPU: at batch 4 it already takes longer than the CPU at 81
  const timings = await timeCandidates([fake('webgpu', 40, 0, gpuCalls), fake('cpu', 1)], 81);
  assert.equal(fastest(timings), 'cpu');
  assert.deepEqual(gpuCalls, [1, 1, 4], 'never called at the full batch');
  assert.deepEqual(timings[1], { provider: 'webgpu', ms: 160, batch: 4, early: true });
  assert.equal(
    describeChoice('cpu', timings, 81, (p) => p === 'webgpu'),
    'provider: cpu, over 2.0× faster than webgpu (software adapter) in a one-call test at batch 81',
  );
});

test('a slower GPU timed at the full batch loses; a failing one is reported and not used', async () => {
  const timings = await timeCandidates(
    [
      { provider: 'cuda', callMs: async () => Promise.reject(new Error('CUDA failure 2: out of memory\nstack')) },
      fake('webgpu', 1.2),
      fake('cpu', 1),
    ],
    16,
  );
  assert.equal(fastest(timings), 'cpu');
  assert.equal(timings.find((t) => t.provider === 'webgpu')?.early, undefined, 'faster at 1, 4 than the CPU at 16: timed in full');
  assert.equal(
    describeChoice('cpu', timings, 16),
    'provider: cpu, cuda failed (CUDA failure 2: out of memory), 1.2× faster than webgpu in a one-call test at batch 16',
  );
  await assert.rejects(timeCandidates([{ provider: 'cpu', callMs: () => Promise.reject(new Error('broken')) }], 4), /broken/);
});

test('openOnnxModel with auto: times each provider that loads once, remembers the fastest per model and machine', async () => {
  const cache = join(folder.dir, 'choice', 'provider-choice.json');
  let gpuRuns = 0;
  // "webgpu" is a CPU session made slower than the real CPU by 30 ms a call
  const factory: SessionFactory = async (path, options) => {
    const real = await defaultSessionFactory(path, { ...options, executionProviders: ['cpu'] });
    if (options.executionProviders?.[0] !== 'webgpu') return real;
    return {
      inputNames: real.inputNames,
      outputNames: real.outputNames,
      inputMetadata: real.inputMetadata,
      outputMetadata: real.outputMetadata,
      run: async (feeds) => {
        gpuRuns++;
        await new Promise((r) => setTimeout(r, 30));
        return real.run(feeds);
      },
      release: () => real.release(),
    };
  };
  const options = {
    sessionFactory: factory,
    platform: 'linux',
    arch: 'x64',
    nvidiaDriver: false,
    choiceCachePath: cache,
    timingBatch: 8,
  } as const;
  const first = await openOnnxModel(tiny, options);
  try {
    assert.equal(first.info.provider, 'cpu');
    assert.equal(first.info.requestedProvider, 'auto');
    assert.match(
      first.info.providerChoice ?? '',
      /^provider: cpu, over \d+(\.\d)?× faster than webgpu( \(software adapter\))? in a one-call test at batch 8$/,
    );
    assert.deepEqual([first.calls, first.runs, first.modelMs], [0, 0, 0], 'the timing calls are not counted as the run’s');
    assert.ok(gpuRuns >= 2, `the GPU candidate was timed (${gpuRuns} calls)`);
    assert.deepEqual(first.info.providerMessages, [], 'nothing for the user to act on');
  } finally {
    await first.dispose();
  }
  const stored = JSON.parse(readFileSync(cache, 'utf8'));
  const [key] = Object.keys(stored);
  assert.match(key, /^[0-9a-f]{64}:[0-9a-f]{16}:cpu,webgpu$/, 'the key names the candidates, not only those that loaded');
  assert.equal(stored[key].provider, 'cpu');
  assert.equal(readChoice(cache, key)?.summary, first.info.providerChoice);

  const runsBefore = gpuRuns;
  const mtime = statSync(cache).mtimeMs;
  const second = await openOnnxModel(tiny, options);
  try {
    assert.equal(second.info.provider, 'cpu');
    assert.equal(gpuRuns, runsBefore, 'the remembered choice is used without timing again');
    assert.equal(second.info.providerChoice, first.info.providerChoice);
    assert.match(second.info.providerNotes.join('\n'), /auto: the choice measured .* \(remembered in .*provider-choice\.json\)/);
    assert.equal(statSync(cache).mtimeMs, mtime);
  } finally {
    await second.dispose();
  }

  // the GPU made faster (another machine's or driver's answer in the cache): the remembered GPU is used
  stored[key] = { ...stored[key], provider: 'webgpu', summary: 'provider: webgpu, 3.0× faster than cpu in a one-call test at batch 8' };
  writeFileSync(cache, JSON.stringify(stored));
  const third = await openOnnxModel(tiny, options);
  try {
    assert.equal(third.info.provider, 'webgpu');
    const x = Float32Array.from({ length: 16 }, (_, i) => Math.cos(i));
    assert.equal((await third.eps(x, 10)).length, 16);
  } finally {
    await third.dispose();
  }
});

test('an unwritable cache folder only costs a note; the choice is still made', async () => {
  const blocker = join(folder.dir, 'a-file');
  writeFileSync(blocker, 'not a folder');
  const model = await openOnnxModel(tiny, {
    sessionFactory: async (path, options) => defaultSessionFactory(path, { ...options, executionProviders: ['cpu'] }),
    platform: 'linux',
    arch: 'x64',
    nvidiaDriver: false,
    choiceCachePath: join(blocker, 'provider-choice.json'),
    timingBatch: 2,
  });
  try {
    assert.ok(['cpu', 'webgpu'].includes(model.info.provider));
    assert.match(model.info.providerNotes.join('\n'), /could not remember the choice in .*a-file.*; it will be measured again next time/);
  } finally {
    await model.dispose();
  }
});

test('where the choice is remembered, and when a WebGPU adapter must be a software one', () => {
  assert.equal(choiceCacheFile({ PNDM_CACHE_DIR: '/x' }, 'linux'), join('/x', 'provider-choice.json'));
  assert.equal(choiceCacheFile({ XDG_CACHE_HOME: '/c' }, 'linux'), join('/c', 'pndm', 'provider-choice.json'));
  assert.equal(choiceCacheFile({ LOCALAPPDATA: 'C:/L' }, 'win32'), join('C:/L', 'pndm', 'Cache', 'provider-choice.json'));
  assert.equal(isSoftwareAdapter('webgpu', { VK_ICD_FILENAMES: '/usr/share/vulkan/icd.d/lvp_icd.json' }, 'linux'), true);
  assert.equal(isSoftwareAdapter('webgpu', { VK_ICD_FILENAMES: '/usr/share/vulkan/icd.d/nvidia_icd.json' }, 'linux'), false);
  assert.equal(isSoftwareAdapter('cpu', {}, 'linux'), false);
  assert.equal(isSoftwareAdapter('webgpu', {}, 'win32'), false);
});

test('XDG_RUNTIME_DIR is set to a private folder when unset, and left alone otherwise', () => {
  const env: NodeJS.ProcessEnv = {};
  const dir = ensureRuntimeDir(env, 'linux')!;
  assert.equal(env.XDG_RUNTIME_DIR, dir);
  assert.ok(existsSync(dir));
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(ensureRuntimeDir({ XDG_RUNTIME_DIR: '/run/user/1' }, 'linux'), '/run/user/1');
  assert.equal(ensureRuntimeDir({}, 'darwin'), undefined);
});

test('pndm info and the panel log show what auto picked and why', async () => {
  const model = await openOnnxModel(tiny, { provider: 'cpu' });
  try {
    model.info.providerChoice = 'provider: cpu, over 37× faster than webgpu (software adapter) in a one-call test at batch 81';
    assert.match(
      describeModel(model.info),
      /\nprovider {5}cpu \(asked for cpu; provider: cpu, over 37× faster than webgpu \(software adapter\) in a one-call test at batch 81\)\n/,
    );
    const summary = summarizeModel(model.info, tiny);
    assert.equal(summary.providerChoice, model.info.providerChoice);
    assert.ok(describeModelForLog(summary).includes(`  provider in use: cpu (auto: ${model.info.providerChoice})`));
  } finally {
    await model.dispose();
  }
});

test('a model the CPU cannot run at the timing batch still opens under auto (the run will say why)', async () => {
  const factory: SessionFactory = async (path, options) => {
    const real = await defaultSessionFactory(path, { ...options, executionProviders: ['cpu'] });
    return {
      inputNames: real.inputNames,
      outputNames: real.outputNames,
      inputMetadata: real.inputMetadata,
      outputMetadata: real.outputMetadata,
      run: async (feeds) => {
        if (Object.values(feeds)[0].dims[0] > 1) throw new Error('Non-zero status code returned while running Reshape node');
        return real.run(feeds);
      },
      release: () => real.release(),
    };
  };
  const model = await openOnnxModel(tiny, {
    sessionFactory: factory,
    platform: 'linux',
    arch: 'x64',
    nvidiaDriver: false,
    choiceCachePath: null,
    timingBatch: 4,
  });
  try {
    assert.equal(model.info.provider, 'cpu');
    assert.equal(model.info.providerChoice, undefined);
    assert.match(
      model.info.providerNotes.join('\n'),
      /auto: could not time a call at batch 4 \(Non-zero status code returned while running Reshape node\); using cpu, nothing remembered\./,
    );
    assert.equal((await model.eps(new Float32Array(16), 10)).length, 16, 'one image at a time still works');
  } finally {
    await model.dispose();
  }
});
