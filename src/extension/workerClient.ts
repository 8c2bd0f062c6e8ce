/**
 * The extension host's side of the sampling worker: starts dist/worker.js on first use, matches
 * answers to requests, and turns a crash ('error' event, or an exit nobody asked for) into a rejected
 * request with a clear message — the next request starts a fresh worker. No vscode import and no
 * onnxruntime import (only the types of what the worker sends).
 */
import { Worker } from 'node:worker_threads';
import type { ModelInfo } from '../model/onnxModel';
import type { ProviderName } from '../protocol';
import type { DoneReply, FrameReply, FromWorker, RunRequest, StartedReply, ToWorker } from './workerProtocol';

export type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface RunHandlers {
  readonly onStarted?: (reply: StartedReply) => void;
  readonly onFrame: (reply: FrameReply) => void;
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

interface Pending {
  readonly resolve: (value: never) => void;
  readonly reject: (error: Error) => void;
  readonly handlers?: RunHandlers;
}

export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private disposed = false;

  constructor(
    private readonly script: string,
    private readonly log: Log,
  ) {}

  /** The running worker's thread id (undefined: none running). */
  get threadId(): number | undefined {
    return this.worker?.threadId;
  }

  load(modelPath: string, provider: ProviderName): Promise<ModelInfo> {
    const id = this.nextId++;
    return this.request<ModelInfo>(id, { type: 'load', id, modelPath, provider });
  }

  /** Start a run; `done` settles with the result or a RunFailed (cancelled or not). */
  run(request: Omit<RunRequest, 'type' | 'id'>, handlers: RunHandlers): { id: number; done: Promise<DoneReply> } {
    const id = this.nextId++;
    return { id, done: this.request<DoneReply>(id, { ...request, type: 'run', id }, handlers) };
  }

  cancel(id: number): void {
    if (this.pending.has(id)) this.worker?.postMessage({ type: 'cancel', id } satisfies ToWorker);
  }

  /** Tests: end the worker the way a crash would (pending requests fail, the next request respawns). */
  async killForTest(): Promise<void> {
    await this.worker?.terminate();
  }

  /** Terminate the worker (its sessions go with it); pending requests fail as cancelled. */
  dispose(): void {
    this.disposed = true;
    this.stop('The sampling worker was stopped.', true);
  }

  private request<T>(id: number, message: ToWorker, handlers?: RunHandlers): Promise<T> {
    if (this.disposed) return Promise.reject(new RunFailed('The sampling panel was closed.', true));
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject, handlers });
      this.ensureWorker().postMessage(message);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    this.worker = worker;
    this.log('info', `Sampling worker started (thread ${worker.threadId}).`);
    worker.on('message', (message: FromWorker) => this.onMessage(message));
    worker.on('error', (error) => {
      if (this.worker !== worker) return;
      this.log('error', `The sampling worker crashed: ${error.stack ?? error.message}`);
      this.stop(`The sampling worker crashed (${error.message}). Generate again to start a new one.`, false);
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.log(code === 0 ? 'info' : 'error', `The sampling worker exited with code ${code}.`);
      this.stop(`The sampling worker stopped unexpectedly (exit code ${code}). Generate again to start a new one.`, false);
    });
    return worker;
  }

  private stop(reason: string, cancelled: boolean): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
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
      case 'loaded':
        this.settle(message.id, (p) => p.resolve(message.info as never));
        return;
      case 'done':
        this.settle(message.id, (p) => p.resolve(message as never));
        return;
      case 'failed':
        this.settle(message.id, (p) => p.reject(new RunFailed(message.message, message.cancelled)));
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
