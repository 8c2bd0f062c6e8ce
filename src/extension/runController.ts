/**
 * One sampling run as a disposable (disposing it cancels it): draws the seed for −1, starts the run in
 * the worker, forwards frames to the panel through a FrameThrottle (the one throttle: the worker sends every
 * step's frame; ≤ 20 a second reach the panel, the final one always),
 * mirrors progress in VS Code's own progress notification (whose Cancel cancels the run), and reports
 * the result, a cancellation or an error exactly once.
 */
import { randomInt } from 'node:crypto';
import * as vscode from 'vscode';
import { MessageType, type FrameMessage, type RunSettings, type RunSummary, type ToWebview } from '../protocol';
import { METHODS } from '../sampler';
import { Disposable } from './disposable';
import { FrameThrottle } from './frameThrottle';
import type { Log } from './log';
import type { FinishedRun } from './save';
import { RunFailed, type WorkerClient } from './workerClient';

export const FRAME_INTERVAL_MS = 50;

export interface RunStats {
  /** From the start of the run to the first frame handed to the panel. */
  readonly firstFrameMs: number;
  readonly framesDelivered: number;
  /** Shortest gap between two frames handed to the panel. */
  readonly minFrameGapMs: number;
  readonly wallMs: number;
}

export type RunOutcome =
  | { readonly kind: 'finished'; readonly result: FinishedRun; readonly stats: RunStats }
  | { readonly kind: 'cancelled'; readonly stats: RunStats }
  | { readonly kind: 'failed'; readonly message: string; readonly stats: RunStats };

export interface RunDeps {
  readonly client: WorkerClient;
  readonly post: (message: ToWebview) => void;
  readonly log: Log;
  readonly modelPath: string;
  readonly settings: RunSettings;
  /** Every frame handed to the panel (the panel keeps the last one to repaint). */
  readonly onFrame: (frame: FrameMessage) => void;
  /** How the run ended, told before the panel hears of it (so a Generate right after is not refused). */
  readonly onEnded: (outcome: RunOutcome) => void;
  readonly frameIntervalMs?: number;
  /** Show VS Code's progress notification (tests may turn it off). */
  readonly showProgress?: boolean;
  /** Tell the user an error the panel cannot show (it is hidden); default: always a notification. */
  readonly notifyError?: (message: string) => void;
}

export class SamplingRun extends Disposable {
  readonly settings: RunSettings;
  /** Settles once, with how the run ended; never rejects. */
  readonly done: Promise<RunOutcome>;
  private readonly throttle: FrameThrottle<FrameMessage>;
  private workerRunId: number | undefined;
  private readonly started = performance.now();
  private firstFrameMs = -1;
  private cancelRequested = false;

  constructor(private readonly deps: RunDeps) {
    super();
    const seed = deps.settings.seed === -1 ? randomInt(0, 2 ** 32) : deps.settings.seed;
    this.settings = { ...deps.settings, seed };
    let report: ((step: FrameMessage) => void) | undefined;
    this.throttle = new FrameThrottle<FrameMessage>(deps.frameIntervalMs ?? FRAME_INTERVAL_MS, (frame) => {
      if (this.firstFrameMs < 0) this.firstFrameMs = performance.now() - this.started;
      deps.post(frame);
      deps.onFrame(frame);
      report?.(frame);
    });
    this.done = this.start();
    if (deps.showProgress !== false) {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `PNDM: ${METHODS[this.settings.sampler].label}`, cancellable: true },
        (progress, token) => {
          this.register(token.onCancellationRequested(() => this.cancel()));
          let reported = 0;
          report = (frame) => {
            const p = frame.progress;
            progress.report({ increment: (p.progress - reported) * 100, message: `step ${p.step}/${p.steps}, ${p.nfe} model calls` });
            reported = p.progress;
          };
          return this.done;
        },
      );
    }
  }

  cancel(): void {
    this.cancelRequested = true;
    if (this.workerRunId !== undefined) this.deps.client.cancel(this.workerRunId);
  }

  override dispose(): void {
    this.cancel();
    super.dispose();
  }

  private stats(): RunStats {
    return {
      firstFrameMs: this.firstFrameMs,
      framesDelivered: this.throttle.delivered,
      minFrameGapMs: this.throttle.minGapMs,
      wallMs: performance.now() - this.started,
    };
  }

  private async start(): Promise<RunOutcome> {
    const { client, post, log, modelPath } = this.deps;
    const s = this.settings;
    post({ type: MessageType.RunStarted, settings: s, expectedNfe: METHODS[s.sampler].nfe(s.steps) });
    log(
      'info',
      `Run: ${s.sampler}, ${s.steps} steps, ${s.samples} samples, seed ${s.seed}, ${s.spacing}, η ${s.eta}, variance ${s.variance}, order ${s.solverOrder || 'default'}, ${s.solverType}, ε scale ${s.epsScale}, tolerance ${s.tolerance}, provider ${s.provider}, model ${modelPath}.`,
    );
    const { id, done } = client.run(
      { ...s, modelPath },
      {
        onStarted: (reply) =>
          log('info', `Run started on ${reply.info.provider}; ${reply.expectedNfe ?? 'adaptive'} model calls expected.`),
        onFrame: (reply) =>
          this.throttle.push({ type: MessageType.Frame, ...reply.frame, progress: reply.progress, final: reply.final }, reply.final),
      },
    );
    this.workerRunId = id;
    if (this.cancelRequested) client.cancel(id);
    try {
      const reply = await done;
      await this.throttle.finished;
      const summary: RunSummary = {
        settings: s,
        nfe: reply.nfe,
        provider: reply.provider,
        wallMs: reply.wallMs,
        modelMs: reply.modelMs,
        line: reply.line,
        sampling: reply.settings,
      };
      const stats = this.stats();
      log('info', `${reply.line}; first frame after ${stats.firstFrameMs.toFixed(0)} ms, ${stats.framesDelivered} frames shown.`);
      const result = { x: new Float32Array(reply.x), count: reply.count, shape: reply.shape, summary, modelPath };
      return this.end({ kind: 'finished', stats, result }, { type: MessageType.RunFinished, summary });
    } catch (error) {
      this.throttle.dispose();
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof RunFailed && error.cancelled) {
        log('info', `Run cancelled after ${(performance.now() - this.started).toFixed(0)} ms.`);
        return this.end({ kind: 'cancelled', stats: this.stats() }, { type: MessageType.RunCancelled });
      }
      log('error', `Run failed: ${message}`);
      if (this.deps.notifyError) this.deps.notifyError(message);
      else void vscode.window.showErrorMessage(`PNDM: ${message}`);
      return this.end({ kind: 'failed', message, stats: this.stats() }, { type: MessageType.Error, message, runEnded: true });
    }
  }

  private end(outcome: RunOutcome, last: ToWebview): RunOutcome {
    this.deps.onEnded(outcome);
    this.deps.post(last);
    return outcome;
  }
}
