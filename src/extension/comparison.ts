/**
 * One comparison: the reference solve (cached per model, seed, samples and reference), then every
 * (sampler, steps) cell, one after the other in the worker, all from the same noise (each image's
 * noise stream depends only on the seed and its index, so the same seed is the same x_T). Each cell's
 * final samples are measured against the reference by RMS. Disposing it cancels the run in progress.
 * No vscode import: the worker client and the sink are injected (unit-tested with a fake worker).
 */
import {
  MessageType,
  REFERENCE_SOLVES,
  SOLVER_OPTION_DEFAULTS,
  type CompareCellResult,
  type CompareRequest,
  type FrameData,
  type ProviderName,
  type RunSettings,
  type ToCompareView,
} from '../protocol';
import type { SpacingChoice } from '../runner/runSettings';
import type { SamplerName } from '../sampler';
import type { DoneReply, RunRequest } from './workerProtocol';
import { RunFailed, type RunHandlers } from './workerClient';

export interface ComparisonClient {
  run(request: Omit<RunRequest, 'type' | 'id'>, handlers: RunHandlers): { id: number; done: Promise<DoneReply> };
  cancel(id: number): void;
}

/** A finished cell with what it takes to open it as a normal run. */
export interface CellRun {
  readonly result: CompareCellResult;
  readonly done: DoneReply;
}

/** References already solved: key → final samples. */
export type ReferenceCache = Map<string, Float32Array>;

/** Root-mean-square difference of two equally long arrays. */
export function rmsDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`Cannot compare ${a.length} values with ${b.length}.`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return Math.sqrt(sum / a.length);
}

/** The cells of a request, row-major (rows: samplers, columns: steps). */
export function cellsOf(request: CompareRequest): { sampler: SamplerName; steps: number }[] {
  return request.samplers.flatMap((sampler) => request.steps.map((steps) => ({ sampler, steps })));
}

/**
 * The run settings of one cell: the request's noise and grid, every solver option at its default. The
 * comparison runs each cell with them, and an opened cell shows them in the sampling panel.
 */
export function cellRunSettings(
  request: CompareRequest,
  sampler: SamplerName,
  steps: number,
  provider: ProviderName,
  spacing: SpacingChoice = request.spacing,
): RunSettings {
  return {
    sampler,
    steps,
    samples: request.samples,
    seed: request.seed,
    spacing,
    eta: 0,
    variance: 'auto',
    ...SOLVER_OPTION_DEFAULTS,
    provider,
    preview: 'x0',
  };
}

export function referenceKey(modelPath: string, request: CompareRequest): string {
  return JSON.stringify([modelPath, request.seed, request.samples, request.reference]);
}

export class Comparison {
  readonly cells: (CellRun | undefined)[];
  private currentId: number | undefined;
  private cancelled = false;
  /** Settles with how it ended; never rejects. */
  readonly done: Promise<'finished' | 'cancelled' | 'failed'>;

  constructor(
    private readonly client: ComparisonClient,
    readonly modelPath: string,
    private readonly provider: ProviderName,
    readonly request: CompareRequest,
    private readonly cache: ReferenceCache,
    private readonly post: (message: ToCompareView) => void,
  ) {
    this.cells = cellsOf(request).map(() => undefined);
    this.done = this.start();
  }

  cancel(): void {
    this.cancelled = true;
    if (this.currentId !== undefined) this.client.cancel(this.currentId);
  }

  dispose(): void {
    this.cancel();
  }

  private async start(): Promise<'finished' | 'cancelled' | 'failed'> {
    const cells = cellsOf(this.request);
    const reference = REFERENCE_SOLVES[this.request.reference];
    const key = referenceKey(this.modelPath, this.request);
    const cached = this.cache.get(key);
    this.post({
      type: MessageType.CompareStarted,
      request: this.request,
      cells,
      referenceLabel: reference.label,
      referenceCached: cached !== undefined,
    });
    const total = cells.length;
    try {
      let referenceX = cached;
      if (!referenceX) {
        // the accurate solution does not depend on the cells' grid: always its own leading grid
        referenceX = new Float32Array((await this.solve(reference.sampler, reference.steps, 'leading', -1, 0, total)).x);
        this.cache.set(key, referenceX);
      }
      for (let i = 0; i < cells.length; i++) {
        const { sampler, steps } = cells[i];
        let frame: FrameData | undefined;
        const done = await this.solve(sampler, steps, this.request.spacing, i, i, total, (f) => (frame = f));
        if (!frame) throw new Error(`The worker sent no final frame for ${sampler}, ${steps} steps.`);
        const result: CompareCellResult = {
          sampler,
          steps,
          nfe: done.nfe,
          wallMs: done.wallMs,
          rms: rmsDistance(new Float32Array(done.x), referenceX),
          frame,
        };
        this.cells[i] = { result, done };
        this.post({ type: MessageType.CompareCell, index: i, result });
      }
      this.post({
        type: MessageType.CompareEnded,
        outcome: 'finished',
        message: `${total} cells on ${this.request.spacing} grids compared with ${reference.label}.`,
      });
      return 'finished';
    } catch (error) {
      if (this.cancelled || (error instanceof RunFailed && error.cancelled)) {
        this.post({ type: MessageType.CompareEnded, outcome: 'cancelled', message: 'Comparison cancelled.' });
        return 'cancelled';
      }
      const message = error instanceof Error ? error.message : String(error);
      this.post({ type: MessageType.CompareEnded, outcome: 'failed', message: `The comparison failed: ${message}` });
      return 'failed';
    }
  }

  /** One run in the worker; progress is reported as cell `index` (−1: the reference). */
  private async solve(
    sampler: SamplerName,
    steps: number,
    spacing: SpacingChoice,
    index: number,
    finished: number,
    total: number,
    onFinal?: (frame: FrameData) => void,
  ): Promise<DoneReply> {
    if (this.cancelled) throw new RunFailed('Comparison cancelled.', true);
    const { id, done } = this.client.run(
      { ...cellRunSettings(this.request, sampler, steps, this.provider, spacing), modelPath: this.modelPath },
      {
        onFrame: (reply) => {
          if (reply.final) onFinal?.(reply.frame);
          const p = reply.progress;
          this.post({ type: MessageType.CompareProgress, index, step: p.step, steps: p.steps, done: finished, total });
        },
      },
    );
    this.currentId = id;
    if (this.cancelled) this.client.cancel(id);
    return done;
  }
}
