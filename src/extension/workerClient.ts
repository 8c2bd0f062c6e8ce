/**
 * The extension host's side of the sampling worker: starts dist/worker.js on first use, matches
 * answers to requests, and turns a crash ('error' event, or an exit nobody asked for) into a rejected
 * request with a clear message — the next request starts a fresh worker. dispose() asks the worker to
 * stop its runs, release its sessions and exit. A live worker is never terminated from here:
 * worker.terminate() while session.run is inside onnxruntime aborts the whole process (the binding
 * throws a Napi::Error into a terminated environment), so a slow worker is waited for, with a warning.
 * No vscode import and no onnxruntime import (only the types of what the worker sends).
 */
import { Worker } from 'node:worker_threads';
import type { ModelInfo } from '../model/onnxModel';
import { ensureRuntimeDir } from '../model/runtimeDir';
import type { ProviderName } from '../protocol';
import type {
  CrashRequest,
  DoneReply,
  FrameReply,
  FromWorker,
  RunRequest,
  StartedReply,
  StatsReply,
  ToWorker,
  TunedReply,
  TuneProgressReply,
  TuneRequest,
} from './workerProtocol';

/** How long a worker asked to shut down may take (it waits for the current model call) before a warning says it is slow. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface WorkerClientOptions {
  /** Tests: a shorter grace period before the slow-shutdown warning. */
  readonly shutdownGraceMs?: number;
}

export type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface RunHandlers {
  readonly onStarted?: (reply: StartedReply) => void;
  readonly onFrame: (reply: FrameReply) => void;
}

export interface TuneHandlers {
  readonly onProgress: (reply: TuneProgressReply) => void;
}

/** Why a run ended without a result. */
export class RunFailed extends Error {
  constructor(
    message: string,
    readonly cancelled: boolean,
  ) {
    super(message);
    this.name = 'RunFailed';
  }
}

/** How a worker thread ended. */
export interface WorkerExit {
  readonly threadId: number;
  readonly code: number;
  /** Sessions it released before exiting; undefined when it did not shut down by itself (crashed or terminated). */
  readonly sessionsReleased?: number;
}

/**
 * Workers of any client that were asked to stop and have not exited yet. A new worker starts only after
 * they have: onnxruntime-node aborts the whole process (a Napi::Error thrown in teardown) when one
 * worker tears its sessions down while another is starting up (microsoft/onnxruntime#24486).
 */
const exiting = new Set<Promise<WorkerExit>>();

interface Pending {
  readonly resolve: (value: never) => void;
  readonly reject: (error: Error) => void;
  readonly handlers?: RunHandlers;
  readonly tuneHandlers?: TuneHandlers;
}

export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private disposed = false;
  /** Messages held while stopped workers finish exiting (undefined: none held). */
  private queued: ToWorker[] | undefined;
  /** Settles when the current worker (or else the last one) has exited; undefined before the first one starts. */
  lastExit: Promise<WorkerExit> | undefined;

  constructor(
    private readonly script: string,
    private readonly log: Log,
    private readonly options: WorkerClientOptions = {},
  ) {}

  /** The running worker's thread id (undefined: none running). */
  get threadId(): number | undefined {
    return this.worker?.threadId;
  }

  load(modelPath: string, provider: ProviderName, samples?: number): Promise<ModelInfo> {
    const id = this.nextId++;
    return this.request<ModelInfo>(id, { type: 'load', id, modelPath, provider, ...(samples !== undefined ? { samples } : {}) });
  }

  /** Start a run; `done` settles with the result or a RunFailed (cancelled or not). */
  run(request: Omit<RunRequest, 'type' | 'id'>, handlers: RunHandlers): { id: number; done: Promise<DoneReply> } {
    const id = this.nextId++;
    return { id, done: this.request<DoneReply>(id, { ...request, type: 'run', id }, handlers) };
  }

  /** Start a tune; `done` settles with the saved grid or a RunFailed (cancelled or not). Cancel it with cancel(id). */
  tune(request: Omit<TuneRequest, 'type' | 'id'>, handlers: TuneHandlers): { id: number; done: Promise<TunedReply> } {
    const id = this.nextId++;
    return { id, done: this.request<TunedReply>(id, { ...request, type: 'tune', id }, undefined, handlers) };
  }

  cancel(id: number): void {
    if (!this.pending.has(id)) return;
    if (this.queued) this.queued.push({ type: 'cancel', id });
    else this.worker?.postMessage({ type: 'cancel', id } satisfies ToWorker);
  }

  /** The worker's memory and session cache (`gc`: collect garbage first); starts a worker if none runs. */
  stats(gc = false): Promise<StatsReply> {
    const id = this.nextId++;
    return this.request<StatsReply>(id, { type: 'stats', id, gc });
  }

  /**
   * Tests: end the worker the way a crash would (an exit nobody asked for: pending requests fail, the next
   * request respawns). The worker exits between model calls; terminate() mid-call would abort the process.
   */
  async killForTest(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ type: 'crash', how: 'exit' } satisfies ToWorker);
    await exited;
  }

  /** Tests: make the worker fail as a bug in it would (an uncaught exception, or an unhandled rejection). */
  crashForTest(how: CrashRequest['how']): void {
    this.worker?.postMessage({ type: 'crash', how } satisfies ToWorker);
  }

  /** Pending requests fail as cancelled; the worker stops its runs, releases its sessions and exits. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stop('The sampling worker was stopped.', true, false);
  }

  private request<T>(id: number, message: ToWorker, handlers?: RunHandlers, tuneHandlers?: TuneHandlers): Promise<T> {
    if (this.disposed) return Promise.reject(new RunFailed('The sampling panel was closed.', true));
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject, handlers, tuneHandlers });
      this.send(message);
    });
  }

  /** Post to the worker, starting one if needed — after every stopped worker has exited. */
  private send(message: ToWorker): void {
    if (this.queued) {
      this.queued.push(message);
      return;
    }
    if (this.worker || exiting.size === 0) {
      this.ensureWorker().postMessage(message);
      return;
    }
    const queued = [message];
    this.queued = queued;
    void Promise.allSettled([...exiting]).then(() => {
      if (this.queued !== queued) return; // stopped meanwhile: the pending requests were rejected
      this.queued = undefined;
      if (this.disposed) return;
      this.send(queued[0]); // waits again if another worker began exiting meanwhile
      for (const m of queued.slice(1)) this.send(m);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    // Dawn (WebGPU) in the worker reads the process environment, which only this thread can set
    ensureRuntimeDir();
    const worker = new Worker(this.script);
    const threadId = worker.threadId;
    this.worker = worker;
    this.log('info', `Sampling worker started (thread ${threadId}).`);
    let sessionsReleased: number | undefined;
    this.lastExit = new Promise((resolve) => worker.once('exit', (code) => resolve({ threadId, code, sessionsReleased })));
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'released') sessionsReleased = message.sessions;
      this.onMessage(message);
    });
    worker.on('error', (error) => {
      if (this.worker !== worker) return;
      this.log('error', `The sampling worker crashed: ${error.stack ?? error.message}`);
      this.stop(`The sampling worker crashed (${error.message}). Generate again to start a new one.`, false);
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) {
        this.log('info', `Sampling worker (thread ${threadId}) exited with code ${code}.`);
        return;
      }
      this.log(code === 0 ? 'info' : 'error', `The sampling worker exited with code ${code}.`);
      this.stop(`The sampling worker stopped unexpectedly (exit code ${code}). Generate again to start a new one.`, false);
    });
    return worker;
  }

  /** Fail every pending request with `reason`; end the worker at once, or (`terminate` false) ask it to shut down. */
  private stop(reason: string, cancelled: boolean, terminate = true): void {
    const worker = this.worker;
    this.worker = undefined;
    this.queued = undefined;
    const exit = this.lastExit;
    if (worker && exit) {
      exiting.add(exit);
      void exit.then(() => exiting.delete(exit));
    }
    if (terminate)
      void worker?.terminate(); // only a worker that has already failed or exited
    else if (worker) {
      worker.postMessage({ type: 'shutdown' } satisfies ToWorker);
      const grace = this.options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS;
      const timer = setTimeout(() => {
        this.log(
          'warn',
          `The sampling worker has not exited ${grace / 1000} s after being asked to: it is still inside a model call, and exits when that call returns.`,
        );
      }, grace);
      timer.unref();
      worker.once('exit', () => clearTimeout(timer));
    }
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new RunFailed(reason, cancelled));
  }

  private onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'log':
        this.log(message.level, message.message);
        return;
      case 'started':
        this.pending.get(message.id)?.handlers?.onStarted?.(message);
        return;
      case 'frame':
        this.pending.get(message.id)?.handlers?.onFrame(message);
        return;
      case 'tuneProgress':
        this.pending.get(message.id)?.tuneHandlers?.onProgress(message);
        return;
      case 'tuned':
        this.settle(message.id, (p) => p.resolve(message as never));
        return;
      case 'loaded':
        this.settle(message.id, (p) => p.resolve(message.info as never));
        return;
      case 'done':
        this.settle(message.id, (p) => p.resolve(message as never));
        return;
      case 'failed':
        this.settle(message.id, (p) => p.reject(new RunFailed(message.message, message.cancelled)));
        return;
      case 'stats':
        this.settle(message.id, (p) => p.resolve(message as never));
        return;
      case 'released':
        this.log('info', `The sampling worker released ${message.sessions} session(s) and is exiting.`);
        return;
      default: {
        const unknown: never = message;
        this.log('error', `Unknown message from the worker: ${JSON.stringify(unknown)}`);
      }
    }
  }

  private settle(id: number, action: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    action(p);
  }
}
