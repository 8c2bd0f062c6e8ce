/**
 * The sampling worker (dist/worker.js, a worker_thread). onnxruntime-node's session.run blocks the
 * thread it runs on, so the model and the sampling loop live here and the extension host only passes
 * messages (workerProtocol.ts). Sessions are cached per (model path, provider): a second run on the
 * same model starts at once. A cancel message aborts its run at the next model call.
 * This file's import graph is the only one in the extension that reaches onnxruntime-node.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { openOnnxModel, type OnnxEpsModel } from '../model/onnxModel';
import type { ProviderName } from '../protocol';
import { messageOf, runInWorker, type Post } from './workerRun';
import type { FromWorker, LoadRequest, RunRequest, ToWorker } from './workerProtocol';

const port = parentPort;
if (!port) throw new Error('worker.js must be started as a worker_thread by the PNDM extension.');

const post: Post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
lowerPriority();
const sessions = new Map<string, Promise<OnnxEpsModel>>();
const runs = new Map<number, AbortController>();

/** The cached model for (path, provider), opened on first use; a failed open is not cached. */
function modelFor(modelPath: string, provider: ProviderName): Promise<OnnxEpsModel> {
  const key = `${provider}\u0000${modelPath}`;
  let model = sessions.get(key);
  if (!model) {
    const started = performance.now();
    model = openOnnxModel(modelPath, { provider });
    sessions.set(key, model);
    model.then(
      (m) => {
        post({
          type: 'log',
          level: 'info',
          message: `Opened ${m.info.path} on ${m.info.provider} (asked: ${provider}) in ${(performance.now() - started).toFixed(0)} ms.`,
        });
        for (const text of m.info.providerMessages) post({ type: 'log', level: 'warn', message: text });
      },
      () => sessions.delete(key),
    );
  }
  return model;
}

async function load(request: LoadRequest): Promise<void> {
  try {
    const model = await modelFor(request.modelPath, request.provider);
    post({ type: 'loaded', id: request.id, info: model.info });
  } catch (error) {
    post({ type: 'failed', id: request.id, message: messageOf(error), cancelled: false });
  }
}

async function run(request: RunRequest): Promise<void> {
  const controller = new AbortController();
  runs.set(request.id, controller);
  try {
    const model = await modelFor(request.modelPath, request.provider);
    if (controller.signal.aborted) {
      post({ type: 'failed', id: request.id, message: 'Sampling was cancelled.', cancelled: true });
      return;
    }
    await runInWorker(model, request, controller.signal, post);
  } catch (error) {
    post({ type: 'failed', id: request.id, message: messageOf(error), cancelled: false });
  } finally {
    runs.delete(request.id);
  }
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
      void load(message);
      break;
    case 'run':
      void run(message);
      break;
    case 'cancel':
      runs.get(message.id)?.abort();
      break;
    default: {
      const unknown: never = message;
      post({ type: 'log', level: 'error', message: `The worker got an unknown message: ${JSON.stringify(unknown)}` });
    }
  }
});
