/**
 * Quality per model call: samples of a sampler × grid × number of calls against an accurate solution of
 * the same probability-flow ODE from the same x_T, started at t = T−1. Shared by `pndm eval` and `pndm tune`.
 */
import {
  DEFAULT_SETTINGS,
  METHODS,
  sample,
  solverOrderFor,
  type EpsModel,
  type ModelCallInfo,
  type NoiseSchedule,
  type SamplerName,
  type SamplingSettings,
  type Spacing,
} from '../sampler';

/** The accurate solution: iPNDM (4th-order Adams–Bashforth) over the trailing grid of `steps` from T−1. */
export const REFERENCE = { sampler: 'ipndm', spacing: 'trailing' } as const;

export interface EvalRun {
  readonly model: EpsModel;
  readonly schedule: NoiseSchedule;
  readonly xT: Float32Array;
  readonly count: number;
  /** Applied to every run: ᾱ at the clean end and steps_offset of the model. */
  readonly base: Pick<SamplingSettings, 'finalAlphaBar' | 'stepsOffset'>;
  /** ε scaling of the scored cells, never of the reference: that stays the model's own ODE. */
  readonly epsScale?: number;
  readonly signal?: AbortSignal;
}

/** Solve accurately from x_T at T−1; `onModelCall` sees every call (the tuner keeps the states and ε). */
export async function referenceSolution(run: EvalRun, steps: number, onModelCall?: (call: ModelCallInfo) => void): Promise<Float32Array> {
  const settings: SamplingSettings = { ...DEFAULT_SETTINGS, ...run.base, ...REFERENCE, steps };
  const result = await sample(run.model, run.schedule, run.xT, run.count, settings, { signal: run.signal, onModelCall });
  return result.x;
}

/** The most steps of `sampler` whose calls fit in `calls` (undefined: not even its fewest steps fit). */
export function stepsForCalls(sampler: SamplerName, calls: number, T: number): number | undefined {
  const method = METHODS[sampler];
  let best: number | undefined;
  for (let n = 1; n <= Math.min(calls, T); n++) {
    const nfe = method.nfe(n);
    if (nfe === undefined || nfe > calls) break;
    try {
      solverOrderFor(sampler, n);
      best = n;
    } catch {
      // fewer steps than the method's order: try more
    }
  }
  return best;
}

export interface EvalRow {
  readonly sampler: SamplerName;
  readonly spacing: Spacing;
  readonly steps: number;
  readonly calls: number;
  readonly rms: number;
}

/** Root-mean-square difference over every value. */
export function rmsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum / a.length);
}

/** The settings of one cell: the sampler's defaults on the run's model (also what `pndm eval --fd` samples with). */
export function cellSettings(
  run: Pick<EvalRun, 'base' | 'epsScale'>,
  sampler: SamplerName,
  spacing: Spacing,
  steps: number,
  tunedGrid?: readonly number[],
): SamplingSettings {
  const options = run.epsScale === undefined ? DEFAULT_SETTINGS.options : { ...DEFAULT_SETTINGS.options, epsScale: run.epsScale };
  return { ...DEFAULT_SETTINGS, ...run.base, sampler, spacing, steps, tunedGrid, options };
}

/** One sampler × grid × number of steps, scored against the reference. */
export async function evaluateOne(
  run: EvalRun,
  reference: Float32Array,
  sampler: SamplerName,
  spacing: Spacing,
  steps: number,
  tunedGrid?: readonly number[],
): Promise<EvalRow> {
  const settings = cellSettings(run, sampler, spacing, steps, tunedGrid);
  const result = await sample(run.model, run.schedule, run.xT, run.count, settings, { signal: run.signal });
  return { sampler, spacing, steps, calls: result.nfe, rms: rmsDiff(result.x, reference) };
}
