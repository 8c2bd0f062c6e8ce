/**
 * Options that only some methods read (DDIM's η, the adaptive solver's tolerance, DDPM's variance, the
 * x̂₀ clip of DDIM and DDPM). One flat, readonly object passed to every method's run: a method ignores
 * what it does not use, and the shared SamplerContext stays free of per-method knobs.
 */

/** diffusers' DDPMScheduler `variance_type` values that we implement. */
export const VARIANCE_TYPES = ['fixed_small', 'fixed_large', 'learned', 'learned_range'] as const;
export type VarianceType = (typeof VARIANCE_TYPES)[number];

export interface MethodOptions {
  /** DDIM's η (0: deterministic). */
  readonly eta: number;
  /** Relative and absolute tolerance of the adaptive probability-flow solver. */
  readonly tolerance: number;
  /** DDPM's step variance: the posterior β̃ (fixed_small, diffusers' default), β (fixed_large), or the model's. */
  readonly variance: VarianceType;
  /** DDIM and DDPM clip x̂₀ to [−r, r] before the update (diffusers' clip_sample_range); undefined: no clip. */
  readonly clipSample?: number;
}

export const DEFAULT_OPTIONS: MethodOptions = {
  eta: 0,
  tolerance: 1e-3,
  variance: 'fixed_small',
};
