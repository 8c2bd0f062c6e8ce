/**
 * Noise schedules as data (DDPM, Ho et al. 2020; diffusers' `beta_schedule` names).
 * ᾱ is kept in float64: ᾱ[t] = ∏_{s ≤ t} (1 − β_s), t = 0..T−1, zero-based like the model's timesteps.
 */

export const BETA_SCHEDULES = ['linear', 'scaled_linear', 'squaredcos_cap_v2'] as const;
export type BetaScheduleName = (typeof BETA_SCHEDULES)[number];

export const PREDICTION_TYPES = ['epsilon', 'v_prediction', 'sample'] as const;
export type PredictionType = (typeof PREDICTION_TYPES)[number];

/** The diffusion facts of a model, named as in a diffusers scheduler_config.json. */
export interface ScheduleConfig {
  readonly numTrainTimesteps: number;
  readonly betaSchedule: BetaScheduleName;
  readonly betaStart: number;
  readonly betaEnd: number;
  /** Explicit β_t, t = 0..T−1; overrides betaSchedule/betaStart/betaEnd when present. */
  readonly trainedBetas?: readonly number[];
}

export const DEFAULT_SCHEDULE: ScheduleConfig = {
  numTrainTimesteps: 1000,
  betaSchedule: 'linear',
  betaStart: 1e-4,
  betaEnd: 0.02,
};

export interface NoiseSchedule {
  readonly config: ScheduleConfig;
  readonly betas: Float64Array;
  readonly alphasCumprod: Float64Array;
}

/** β_t for every training timestep, as diffusers computes them (in float64 here). */
export function makeBetas(config: ScheduleConfig): Float64Array {
  const T = config.numTrainTimesteps;
  if (!Number.isInteger(T) || T < 1) {
    throw new Error(`num_train_timesteps must be a positive integer, got ${T}.`);
  }
  if (config.trainedBetas) {
    if (config.trainedBetas.length !== T) {
      throw new Error(`trained_betas has ${config.trainedBetas.length} values but num_train_timesteps is ${T}; they must match.`);
    }
    return checkedBetas(Float64Array.from(config.trainedBetas));
  }
  const betas = new Float64Array(T);
  switch (config.betaSchedule) {
    case 'linear':
      for (let t = 0; t < T; t++) betas[t] = linspace(config.betaStart, config.betaEnd, T, t);
      break;
    case 'scaled_linear': {
      const a = Math.sqrt(config.betaStart);
      const b = Math.sqrt(config.betaEnd);
      for (let t = 0; t < T; t++) betas[t] = linspace(a, b, T, t) ** 2;
      break;
    }
    case 'squaredcos_cap_v2': {
      // Nichol & Dhariwal 2021, eq. 17; β capped at 0.999 as in diffusers' betas_for_alpha_bar.
      const f = (u: number) => Math.cos(((u + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
      for (let t = 0; t < T; t++) betas[t] = Math.min(1 - f((t + 1) / T) / f(t / T), 0.999);
      break;
    }
    default:
      throw new Error(
        `Unknown beta_schedule "${String(config.betaSchedule)}"; use one of ${BETA_SCHEDULES.join(', ')} or give trained_betas.`,
      );
  }
  return checkedBetas(betas);
}

export function makeSchedule(config: ScheduleConfig): NoiseSchedule {
  const betas = makeBetas(config);
  const alphasCumprod = new Float64Array(betas.length);
  let product = 1;
  for (let t = 0; t < betas.length; t++) {
    product *= 1 - betas[t];
    alphasCumprod[t] = product;
  }
  return { config, betas, alphasCumprod };
}

/** The i-th of n evenly spaced values from a to b, computed like numpy.linspace. */
function linspace(a: number, b: number, n: number, i: number): number {
  if (n === 1) return a;
  const step = (b - a) / (n - 1);
  return i === n - 1 ? b : a + i * step;
}

function checkedBetas(betas: Float64Array): Float64Array {
  for (let t = 0; t < betas.length; t++) {
    if (!(betas[t] > 0 && betas[t] < 1)) {
      throw new Error(`β[${t}] = ${betas[t]} is outside (0, 1); check the schedule's beta_start, beta_end or trained_betas.`);
    }
  }
  return betas;
}
