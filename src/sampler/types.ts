/**
 * The contract between the sampling methods and whatever evaluates the network.
 * Nothing in src/sampler/ may import vscode or onnxruntime-node: the model is reached only through
 * {@link EpsModel}, and randomness only through {@link NoiseSource}.
 */

/** Shape of one image, channels first. */
export interface ImageShape {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

/**
 * A noise-prediction network ε_θ(x_t, t).
 * `x` holds `count` images laid out [count, C, H, W]; `t` is one timestep shared by the whole batch
 * (an integer on the model's zero-based training grid; the probability-flow solver may ask for a
 * fractional t, which an adapter for an integer-timestep model rounds). The result has x's layout and
 * must be a new array (the samplers keep it in their history).
 */
export interface EpsModel {
  eps(x: Float32Array, t: number): Promise<Float32Array>;
  /**
   * For models that also predict the variance (2C output channels, diffusers' `learned` and
   * `learned_range`): ε as from eps(), and the raw variance channels in x's layout. One model evaluation.
   */
  epsWithVariance?(x: Float32Array, t: number): Promise<EpsWithVariance>;
}

export interface EpsWithVariance {
  readonly eps: Float32Array;
  /** The network's second C channels as it outputs them (learned: the variance; learned_range: v in [−1, 1]). */
  readonly variance: Float32Array;
}

/** Standard normal draws for image k of a run; each image has its own stream (batch-size independent). */
export interface NoiseSource {
  /** Fill `out` with the next standard normal values of image `image`'s stream. */
  fill(image: number, out: Float32Array): void;
}

/** What every method reports after each of its N steps. */
export interface StepInfo {
  /** Step index, 0..steps-1. */
  readonly step: number;
  readonly steps: number;
  /** Timestep the step started from. */
  readonly t: number;
  /** Timestep the step went to (-1: the clean end of the trajectory). */
  readonly tNext: number;
  /** State after the step, [count, C, H, W]. */
  readonly x: Float32Array;
  /** The clean image predicted at this step from the direction the step used. */
  readonly x0: Float32Array;
  /** Model evaluations so far in this run. */
  readonly nfe: number;
  /** Fraction of the trajectory done, 0..1 (the adaptive solver's steps are not known in advance). */
  readonly progress: number;
}

export type StepCallback = (info: StepInfo) => void | Promise<void>;

/** One counted, finite model evaluation, as the run's context saw it. */
export interface ModelCallInfo {
  /** The timestep the model was asked for (fractional for the probability-flow solver). */
  readonly t: number;
  /** The input, [count, C, H, W]. */
  readonly x: Float32Array;
  /** The model's ε for it. */
  readonly eps: Float32Array;
  /** Model evaluations so far, this one included. */
  readonly nfe: number;
}

export type ModelCallCallback = (call: ModelCallInfo) => void | Promise<void>;

export class SamplingCancelled extends Error {
  constructor() {
    super('Sampling was cancelled.');
    this.name = 'SamplingCancelled';
  }
}

export class NonFiniteError extends Error {
  constructor(
    readonly step: number,
    readonly t: number,
    readonly what: string,
  ) {
    super(
      `The model produced NaN or Inf at step ${step + 1} (t = ${t}) in ${what}; the run was stopped. ` +
        'Check that the model expects images in [-1, 1] and this timestep range, or try another execution provider.',
    );
    this.name = 'NonFiniteError';
  }
}
