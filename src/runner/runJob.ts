/**
 * One sampling job, shared by the `pndm` command and the extension's worker: noise from a seed or a
 * given x_T, the chosen method over the model, and the timings a user sees in the summary line.
 * No vscode import; the model is anything that implements EpsModel.
 */
import {
  DEFAULT_OPTIONS,
  initialNoise,
  makeSchedule,
  METHODS,
  sample,
  SeededNoise,
  type EpsModel,
  type ImageShape,
  type NoiseSource,
  type RunHooks,
  type SamplingSettings,
  type ScheduleConfig,
} from '../sampler';
import type { OnnxEpsModel } from '../model/onnxModel';
import { offsetNoise } from './shard';

export interface JobModel {
  readonly eps: EpsModel['eps'];
  /** For DDPM's learned variance types (models with 2C output channels). */
  readonly epsWithVariance?: EpsModel['epsWithVariance'];
  readonly imageShape: ImageShape;
  readonly schedule: ScheduleConfig;
  /** Cumulative milliseconds spent inside the runtime's inference call. */
  readonly modelMs: () => number;
  readonly provider: string;
}

/** An opened model as runJob needs it (OnnxEpsModel, or a test's stand-in). */
export type RunnableModel = Pick<OnnxEpsModel, 'eps' | 'info' | 'modelMs'> & Partial<Pick<OnnxEpsModel, 'epsWithVariance'>>;

/**
 * The runJob view of an opened model, for the CLI and the worker alike. `afterCall` runs after every
 * model call (the worker turns its event loop there, so that a cancel is seen before the next call).
 */
export function jobModelOf(model: RunnableModel, afterCall?: () => Promise<void>): JobModel {
  const withVariance = model.epsWithVariance?.bind(model);
  const settle = async <T>(out: Promise<T>): Promise<T> => {
    const value = await out;
    await afterCall?.();
    return value;
  };
  return {
    eps: (x, t) => settle(model.eps(x, t)),
    epsWithVariance: withVariance && ((x, t) => settle(withVariance(x, t))),
    imageShape: model.info.imageShape,
    schedule: model.info.schedule,
    modelMs: () => model.modelMs,
    get provider() {
      return model.info.provider; // may change mid-run when a GPU provider falls back to CPU
    },
  };
}

export interface JobRequest {
  readonly settings: SamplingSettings;
  readonly samples: number;
  /** 0..2³²−1; also seeds the stochastic samplers' later draws. */
  readonly seed: number;
  /** Initial x_T [samples, C, H, W] instead of the seeded generator. */
  readonly noise?: Float32Array;
  /** Index of the first image (default 0): image k of this job draws from stream firstImage + k, so a shard
   * or one re-sampled image of a larger run is exact. */
  readonly firstImage?: number;
}

/** The seeded noise of images firstImage, firstImage + 1, … as images 0, 1, … of a job. */
export function seededNoise(seed: number, firstImage = 0): NoiseSource {
  return offsetNoise(new SeededNoise(seed), firstImage);
}

export interface JobResult {
  readonly x: Float32Array;
  readonly nfe: number;
  readonly wallMs: number;
  readonly modelMs: number;
  readonly provider: string;
}

export async function runJob(model: JobModel, request: JobRequest, hooks: Omit<RunHooks, 'noise'> = {}): Promise<JobResult> {
  const { channels, height, width } = model.imageShape;
  const perImage = channels * height * width;
  const noise = seededNoise(request.seed, request.firstImage);
  let xT: Float32Array;
  if (request.noise) {
    if (request.noise.length !== request.samples * perImage) {
      throw new Error(
        `The noise holds ${request.noise.length} values; ${request.samples} samples of ${channels}×${height}×${width} need ${request.samples * perImage}.`,
      );
    }
    xT = request.noise;
    // stochastic samplers draw their later noise after the stream's first C·H·W values, as with a seed
    const skip = new Float32Array(perImage);
    for (let k = 0; k < request.samples; k++) noise.fill(k, skip);
  } else {
    xT = initialNoise(noise, request.samples, perImage);
  }
  const modelMsBefore = model.modelMs();
  const started = performance.now();
  const result = await sample(model, makeSchedule(model.schedule), xT, request.samples, request.settings, {
    ...hooks,
    noise,
  });
  return {
    x: result.x,
    nfe: result.nfe,
    wallMs: performance.now() - started,
    modelMs: model.modelMs() - modelMsBefore,
    provider: model.provider,
  };
}

/**
 * The options that shaped this run's samples, for the summary line: DDIM's η > 0, DDPM's variance, and
 * an order, B(h), tolerance or ε scale other than the default, so that two runs' lines tell them apart.
 */
function methodNote(settings: SamplingSettings): string {
  const { sampler, options } = settings;
  const notes: string[] = [];
  if (sampler === 'ddim' && options.eta > 0) notes.push(`η = ${options.eta}`);
  if (sampler === 'ddpm') notes.push(`variance ${options.variance}`);
  const orders = METHODS[sampler].solverOrders;
  if (orders && options.solverOrder !== undefined && options.solverOrder !== orders.default) notes.push(`order ${options.solverOrder}`);
  if (sampler === 'unipc' && options.solverType !== DEFAULT_OPTIONS.solverType) notes.push(options.solverType);
  if (sampler === 'pf' && options.tolerance !== DEFAULT_OPTIONS.tolerance) notes.push(`tolerance ${options.tolerance}`);
  if (options.epsScale !== undefined && options.epsScale !== 1) notes.push(`ε × ${options.epsScale}`);
  return notes.length ? ` (${notes.join(', ')})` : '';
}

/** The one-line summary the CLI prints and the panel shows. */
export function summaryLine(settings: SamplingSettings, samples: number, result: JobResult): string {
  const label = METHODS[settings.sampler].label;
  const wall = result.wallMs / 1000;
  const inside = result.modelMs / 1000;
  return (
    `${label}, ${settings.steps} steps${methodNote(settings)}, ` +
    `${samples} samples: ${result.nfe} model calls on ${result.provider}, ${wall.toFixed(2)} s wall, ` +
    `${inside.toFixed(2)} s in the model (${((100 * result.modelMs) / Math.max(result.wallMs, 1e-9)).toFixed(1)}%)`
  );
}
