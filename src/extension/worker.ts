/**
 * The sampling worker (dist/worker.js, a worker_thread). onnxruntime-node's session.run blocks the
 * thread it runs on, so the model and the sampling loop live here and the extension host only passes
 * messages (workerProtocol.ts). Sessions are cached per (model path, provider) (sessionCache.ts): a
 * second run on the same model starts at once. A cancel message aborts its run at the next model call;
 * shutdown stops every run, releases every session and exits.
 * This file's import graph is the only one in the extension that reaches onnxruntime-node.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { openOnnxModel, type OnnxEpsModel } from '../model/onnxModel';
import type { ProviderName } from '../protocol';
import { SessionCache } from './sessionCache';
import { messageOf, runInWorker, type Post } from './workerRun';
import { REFERENCE } from '../tune/evaluate';
import { DEFAULT_TRAJECTORIES, tuneGrid, tuneReport, tuneRun, untunableReason } from '../tune/tuneModel';
import type { FromWorker, LoadRequest, RunRequest, StatsRequest, ToWorker, TuneRequest } from './workerProtocol';

const port = parentPort;
if (!port) throw new Error('worker.js must be started as a worker_thread by the PNDM extension.');

const post: Post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
lowerPriority();
const sessions = new SessionCache<OnnxEpsModel>((path, provider, batch) => openLogged(path, provider as ProviderName, batch));
const runs = new Map<number, AbortController>();
/** Loads and runs in progress (shutdown waits for them before releasing the sessions). */
const active = new Set<Promise<void>>();
let stopping = false;

/** Open a model for the cache, and log how long it took and what the provider said. */
function openLogged(modelPath: string, provider: ProviderName, batch?: number): Promise<OnnxEpsModel> {
  const started = performance.now();
  const model = openOnnxModel(modelPath, { provider, timingBatch: batch });
  model.then(
    (m) => {
      post({
        type: 'log',
        level: 'info',
        message: `Opened ${m.info.path} on ${m.info.provider} (asked: ${provider}) in ${(performance.now() - started).toFixed(0)} ms.`,
      });
      if (m.info.providerChoice) post({ type: 'log', level: 'info', message: `auto: ${m.info.providerChoice}.` });
      for (const text of m.info.providerNotes) post({ type: 'log', level: 'info', message: text });
      for (const text of m.info.providerMessages) post({ type: 'log', level: 'warn', message: text });
    },
    () => undefined, // the request that opened it reports the error
  );
  return model;
}

async function load(request: LoadRequest): Promise<void> {
  sessions.keepOnly(request.modelPath); // the panel moved to this model: the others' sessions go
  const lease = sessions.acquire(request.modelPath, request.provider, request.samples);
  try {
    const model = await lease.model;
    post({ type: 'loaded', id: request.id, info: model.info });
  } catch (error) {
    post({ type: 'failed', id: request.id, message: messageOf(error), cancelled: false });
  } finally {
    lease.release();
  }
}

async function run(request: RunRequest): Promise<void> {
  const controller = new AbortController();
  runs.set(request.id, controller);
  const lease = sessions.acquire(request.modelPath, request.provider, request.samples);
  try {
    const model = await lease.model;
    if (controller.signal.aborted) {
      post({ type: 'failed', id: request.id, message: 'Sampling was cancelled.', cancelled: true });
      return;
    }
    await runInWorker(model, request, controller.signal, post);
  } catch (error) {
    post({ type: 'failed', id: request.id, message: messageOf(error), cancelled: false });
  } finally {
    runs.delete(request.id);
    lease.release();
  }
}

/** A tune on the CPU (as `pndm tune`'s default), cancellable like a run; progress at most every 250 ms. */
async function tune(request: TuneRequest): Promise<void> {
  const controller = new AbortController();
  runs.set(request.id, controller);
  const lease = sessions.acquire(request.modelPath, 'cpu');
  try {
    const why = untunableReason(request.sampler, request.steps);
    if (why) throw new Error(why);
    const model = await lease.model;
    const T = model.info.schedule.numTrainTimesteps;
    if (request.steps >= T) throw new Error(`${request.steps} steps must be below the model's ${T} training timesteps`);
    const started = performance.now();
    let posted = 0;
    const result = await tuneGrid(tuneRun(model, request.trajectories ?? DEFAULT_TRAJECTORIES, controller.signal), model.info.path, {
      sampler: request.sampler,
      steps: request.steps,
      referenceSteps: request.referenceSteps,
      start: request.start,
      candidates: request.candidates,
      sweeps: request.sweeps,
      maxStepRatio: request.maxStepRatio,
      heldOut: request.heldOut,
      onProgress: ({ phase, done, total, note }) => {
        if (performance.now() - posted < 250 && done !== total) return;
        posted = performance.now();
        post({ type: 'tuneProgress', id: request.id, phase, done, total, note });
      },
    });
    const lines = tuneReport(result, REFERENCE.sampler, (performance.now() - started) / 1000);
    post({
      type: 'tuned',
      id: request.id,
      timesteps: result.timesteps,
      rms: result.rms,
      baseline: result.baseline,
      file: result.file,
      lines,
    });
  } catch (error) {
    const cancelled = controller.signal.aborted;
    post({ type: 'failed', id: request.id, message: cancelled ? 'Tuning was cancelled.' : messageOf(error), cancelled });
  } finally {
    runs.delete(request.id);
    lease.release();
  }
}

/** Stop every run, wait for it to end, release every session, say so, and exit. */
async function shutdown(): Promise<void> {
  stopping = true;
  for (const controller of runs.values()) controller.abort();
  while (active.size) await Promise.allSettled([...active]);
  const released = await sessions.clear();
  post({ type: 'released', sessions: released });
  process.exit(0); // in a worker_thread this ends the thread, not the extension host
}

/** Memory figures for measurements; `gc` collects garbage first (V8's gc(), exposed for a moment). */
function stats(request: StatsRequest): void {
  if (request.gc) {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  }
  const memory = process.memoryUsage();
  post({
    type: 'stats',
    id: request.id,
    heapUsed: getHeapStatistics().used_heap_size,
    external: memory.external,
    rss: memory.rss,
    sessions: sessions.size,
    runs: runs.size,
  });
}

function track(work: Promise<void>): void {
  active.add(work);
  void work.finally(() => active.delete(work));
}

/**
 * On Linux, scheduling priority is per thread and inherited by the threads a thread creates: give
 * this thread nice 10 before any session exists, so that onnxruntime's compute threads yield to the
 * extension host's thread when the CPU is contended. No effect when cores are idle; skipped elsewhere.
 */
function lowerPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid !== process.pid) {
      setPriority(tid, 10);
      post({ type: 'log', level: 'info', message: `Sampling worker thread ${tid} runs at nice 10 (the editor keeps priority).` });
    }
  } catch (error) {
    post({ type: 'log', level: 'info', message: `Could not lower the sampling worker's priority: ${messageOf(error)}` });
  }
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'load':
      if (!stopping) track(load(message));
      break;
    case 'run':
      if (!stopping) track(run(message));
      break;
    case 'tune':
      if (!stopping) track(tune(message));
      break;
    case 'cancel':
      runs.get(message.id)?.abort();
      break;
    case 'stats':
      stats(message);
      break;
    case 'shutdown':
      void shutdown();
      break;
    case 'crash':
      // messages are handled between model calls (session.run is synchronous), so this exit is safe
      if (message.how === 'exit') process.exit(70);
      if (message.how === 'throw') throw new Error('Injected failure (test): an exception in the worker’s message handler');
      void Promise.reject(new Error('Injected failure (test): a rejected promise nobody handled in the worker'));
      break;
    default: {
      const unknown: never = message;
      post({ type: 'log', level: 'error', message: `The worker got an unknown message: ${JSON.stringify(unknown)}` });
    }
  }
});
