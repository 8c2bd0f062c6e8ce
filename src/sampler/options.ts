/**
 * Options that only some methods read (DDIM's η, the adaptive solver's tolerance, DDPM's variance, the
 * x̂₀ clip of DDIM and DDPM). One flat, readonly object passed to every method's run: a method ignores
 * what it does not use, and the shared SamplerContext stays free of per-method knobs.
 */

import type { SolverType } from './solverTypes';

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
  /** Order of UniPC (1–3, default 2) or iPNDM's highest order (1–4, default 4); undefined: the method's default. */
  readonly solverOrder?: number;
  /** UniPC's B(h): bh1 or bh2. */
  readonly solverType: SolverType;
  /** Every ε the model returns times this (ε scaling, src/sampler/epsScale.ts); undefined or 1: the model as it is. */
  readonly epsScale?: number;
}

/** The ranges the CLI and the panel accept (a user's typo is refused, not run for minutes). */
export const OPTION_LIMITS = {
  tolerance: { min: 1e-8, max: 0.5 },
  /** Useful values lie within a few percent of 1; beyond ±50% the samples are no longer the model's. */
  epsScale: { min: 0.5, max: 1.5 },
} as const;

export const DEFAULT_OPTIONS: MethodOptions = {
  eta: 0,
  tolerance: 1e-3,
  variance: 'fixed_small',
  solverType: 'bh2',
};
