import type { AlphaBar } from './alphas';
import { firstNonFinite, predictX0 } from './pseudoStep';
import {
  NonFiniteError,
  SamplingCancelled,
  type EpsModel,
  type EpsWithVariance,
  type ModelCallCallback,
  type NoiseSource,
  type StepCallback,
} from './types';

/** Everything one run of one method needs; built fresh for every run, so nothing leaks between runs. */
export interface SamplerContext {
  /** Counted, cancellable, finiteness-checked ε(x, t). */
  eps(x: Float32Array, t: number, step: number): Promise<Float32Array>;
  /** ε and the model's variance channels, counted and checked like eps (learned-variance models only). */
  epsWithVariance(x: Float32Array, t: number, step: number): Promise<EpsWithVariance>;
  readonly alphaBar: AlphaBar;
  /** T − 1, the model's noisiest training timestep (where the probability-flow ODE starts). */
  readonly lastTimestep: number;
  /** Descending start timesteps of the N steps, and where each step goes (last: −1). */
  readonly grid: Int32Array;
  readonly next: Int32Array;
  /** Images in the batch; x is laid out [count, C, H, W]. */
  readonly count: number;
  readonly noise?: NoiseSource;
  readonly nfe: () => number;
  /** Report a finished step (checks the state is finite and honours cancellation). */
  report(step: number, t: number, tNext: number, x: Float32Array, x0: Float32Array, progress?: number): Promise<void>;
  /** Report a finished step whose direction was ε at t: derives x̂₀ for the preview. */
  reportEps(step: number, t: number, tNext: number, x: Float32Array, xBefore: Float32Array, eps: Float32Array): Promise<void>;
}

export interface ContextOptions {
  model: EpsModel;
  alphaBar: AlphaBar;
  lastTimestep: number;
  grid: Int32Array;
  next: Int32Array;
  count: number;
  noise?: NoiseSource;
  signal?: AbortSignal;
  onStep?: StepCallback;
  onModelCall?: ModelCallCallback;
}

const EMPTY = new Float32Array(0);
export const NO_VARIANCE =
  "This variance type takes the model's predicted variance, but the model predicts ε only (C output channels, not 2C): " +
  'use the variance fixed_small or fixed_large.';

export function makeContext(o: ContextOptions): SamplerContext {
  let nfe = 0;
  const checkCancelled = () => {
    if (o.signal?.aborted) throw new SamplingCancelled();
  };
  const report: SamplerContext['report'] = async (step, t, tNext, x, x0, progress) => {
    if (firstNonFinite(x) >= 0) throw new NonFiniteError(step, t, 'the sample after the step');
    checkCancelled();
    await o.onStep?.({ step, steps: o.grid.length, t, tNext, x, x0, nfe, progress: progress ?? (step + 1) / o.grid.length });
  };
  const evaluate = async (x: Float32Array, t: number, step: number, withVariance: boolean): Promise<EpsWithVariance> => {
    checkCancelled();
    let out: EpsWithVariance;
    if (withVariance) {
      if (!o.model.epsWithVariance) throw new Error(NO_VARIANCE);
      out = await o.model.epsWithVariance(x, t);
    } else {
      out = { eps: await o.model.eps(x, t), variance: EMPTY };
    }
    nfe++;
    for (const [values, what] of [
      [out.eps, 'the model output'],
      [out.variance, "the model's variance output"],
    ] as const) {
      if (values !== EMPTY && values.length !== x.length) {
        throw new Error(
          `The model returned ${values.length} values for an input of ${x.length}; its output must match the image input's shape.`,
        );
      }
      if (firstNonFinite(values) >= 0) throw new NonFiniteError(step, t, what);
    }
    await o.onModelCall?.({ t, x, eps: out.eps, nfe });
    checkCancelled();
    return out;
  };
  return {
    alphaBar: o.alphaBar,
    lastTimestep: o.lastTimestep,
    grid: o.grid,
    next: o.next,
    count: o.count,
    noise: o.noise,
    nfe: () => nfe,
    async eps(x, t, step) {
      return (await evaluate(x, t, step, false)).eps;
    },
    epsWithVariance(x, t, step) {
      return evaluate(x, t, step, true);
    },
    report,
    reportEps(step, t, tNext, x, xBefore, e) {
      const x0 = o.onStep ? predictX0(xBefore, e, o.alphaBar(t)) : xBefore;
      return report(step, t, tNext, x, x0);
    },
  };
}
