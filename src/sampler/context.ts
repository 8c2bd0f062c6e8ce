import type { AlphaBar } from './alphas';
import { firstNonFinite, predictX0 } from './pseudoStep';
import { NonFiniteError, SamplingCancelled, type EpsModel, type ModelCallCallback, type NoiseSource, type StepCallback } from './types';

/** Everything one run of one method needs; built fresh for every run, so nothing leaks between runs. */
export interface SamplerContext {
  /** Counted, cancellable, finiteness-checked ε(x, t). */
  eps(x: Float32Array, t: number, step: number): Promise<Float32Array>;
  readonly alphaBar: AlphaBar;
  /** Descending start timesteps of the N steps, and where each step goes (last: −1). */
  readonly grid: Int32Array;
  readonly next: Int32Array;
  /** ᾱ at the N + 1 grid points (σ-space grids: the grid's own σ, not ᾱ at the rounded t). */
  readonly points: Float64Array;
  /** Images in the batch; x is laid out [count, C, H, W]. */
  readonly count: number;
  readonly noise?: NoiseSource;
  readonly nfe: () => number;
  /** Report a finished step (checks the state is finite and honours cancellation). */
  report(step: number, t: number, tNext: number, x: Float32Array, x0: Float32Array, progress?: number): Promise<void>;
  /** Report a finished step whose direction was ε at t: derives x̂₀ for the preview. */
  reportEps(step: number, t: number, tNext: number, x: Float32Array, xBefore: Float32Array, eps: Float32Array): Promise<void>;
  /** Report step i of the grid whose direction was ε at grid point i (x̂₀ from the point's own ᾱ). */
  reportGridStep(step: number, x: Float32Array, xBefore: Float32Array, eps: Float32Array): Promise<void>;
}

export interface ContextOptions {
  model: EpsModel;
  alphaBar: AlphaBar;
  grid: Int32Array;
  next: Int32Array;
  points: Float64Array;
  count: number;
  noise?: NoiseSource;
  signal?: AbortSignal;
  onStep?: StepCallback;
  onModelCall?: ModelCallCallback;
}

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
  return {
    alphaBar: o.alphaBar,
    grid: o.grid,
    next: o.next,
    points: o.points,
    count: o.count,
    noise: o.noise,
    nfe: () => nfe,
    async eps(x, t, step) {
      checkCancelled();
      const e = await o.model.eps(x, t);
      nfe++;
      if (e.length !== x.length) {
        throw new Error(
          `The model returned ${e.length} values for an input of ${x.length}; its output must match the image input's shape.`,
        );
      }
      if (firstNonFinite(e) >= 0) throw new NonFiniteError(step, t, 'the model output');
      await o.onModelCall?.({ t, x, eps: e, nfe });
      checkCancelled();
      return e;
    },
    report,
    reportEps(step, t, tNext, x, xBefore, e) {
      const x0 = o.onStep ? predictX0(xBefore, e, o.alphaBar(t)) : xBefore;
      return report(step, t, tNext, x, x0);
    },
    reportGridStep(step, x, xBefore, e) {
      const x0 = o.onStep ? predictX0(xBefore, e, o.points[step]) : xBefore;
      return report(step, o.grid[step], o.next[step], x, x0);
    },
  };
}
