/**
 * A run's per-method options from what was asked for (CLI flags, the panel's request) and what the
 * model's scheduler config says: asked > the model's > the sampler's defaults. Shared by the CLI and the worker.
 */
import { DEFAULT_OPTIONS, type MethodOptions, type SolverType, type VarianceType } from '../sampler';

export interface AskedOptions {
  readonly eta?: number;
  readonly tolerance?: number;
  /** `auto` or undefined: the model's variance_type, else fixed_small. */
  readonly variance?: VarianceType | 'auto';
  /** UniPC's or iPNDM's order (undefined: the method's default) and UniPC's B(h). */
  readonly solverOrder?: number;
  readonly solverType?: SolverType;
  /** ε scaling (undefined: none). */
  readonly epsScale?: number;
}

/** What the model's config says about these options (ModelInfo's fields of the same names). */
export interface ModelOptionFacts {
  readonly varianceType?: VarianceType;
  readonly clipSample?: number;
}

export function methodOptionsOf(asked: AskedOptions, model: ModelOptionFacts): MethodOptions {
  const variance = asked.variance === undefined || asked.variance === 'auto' ? model.varianceType : asked.variance;
  return {
    ...DEFAULT_OPTIONS,
    eta: asked.eta ?? DEFAULT_OPTIONS.eta,
    tolerance: asked.tolerance ?? DEFAULT_OPTIONS.tolerance,
    variance: variance ?? DEFAULT_OPTIONS.variance,
    ...(asked.solverOrder === undefined ? {} : { solverOrder: asked.solverOrder }),
    solverType: asked.solverType ?? DEFAULT_OPTIONS.solverType,
    ...(asked.epsScale === undefined || asked.epsScale === 1 ? {} : { epsScale: asked.epsScale }),
    ...(model.clipSample === undefined ? {} : { clipSample: model.clipSample }),
  };
}
