import type { NoiseSchedule } from './schedule';
import { roundHalfEven, timesteps, type Spacing } from './timesteps';

/**
 * A sampling grid as data: the N timesteps the model is called at, and ᾱ at the N + 1 points the solver
 * steps between (the N starts and the end). On the model's own timesteps ᾱ is ᾱ[t]; on σ-space grids
 * (karras, logsnr) ᾱ is the continuous value of the grid's σ while the model is called at the rounded t,
 * as diffusers does for integer-timestep models.
 */
export interface SamplingGrid {
  /** Model-call timesteps, one per step, descending. */
  readonly t: Int32Array;
  /** ᾱ at the N + 1 grid points: alphaBar[i] where step i starts, alphaBar[N] at the end. */
  readonly alphaBar: Float64Array;
}

/** How a method lays an integer grid of N steps: DDIM's N points, or diffusers' DPM/UniPC N + 1 points without t = 0. */
export type GridStyle = 'ddim' | 'dpm';

/** Karras et al. 2022 (EDM), eq. 5: ρ = 7. */
const KARRAS_RHO = 7;

/** σ of the probability-flow ODE in x/√ᾱ: √((1 − ᾱ)/ᾱ). */
export const sigmaOf = (alphaBar: number): number => Math.sqrt((1 - alphaBar) / alphaBar);
export const alphaBarOfSigma = (sigma: number): number => 1 / (1 + sigma * sigma);

/** The grid of N steps for a spacing: integer spacings on the model's timesteps, σ-space spacings from σ_max to σ_min then 0. */
export function makeGrid(
  schedule: NoiseSchedule,
  steps: number,
  spacing: Spacing,
  options: { stepsOffset?: number; finalAlphaBar: number; style?: GridStyle; tuned?: readonly number[] },
): SamplingGrid {
  const T = schedule.config.numTrainTimesteps;
  const ab = schedule.alphasCumprod;
  if (spacing === 'karras' || spacing === 'logsnr') {
    if (!Number.isInteger(steps) || steps < 1 || steps > T) {
      throw new Error(`steps must be a whole number from 1 to ${T} (the model's training timesteps), got ${steps}.`);
    }
    const sigmas =
      spacing === 'karras'
        ? karrasSigmas(sigmaOf(ab[T - 1]), sigmaOf(ab[0]), steps)
        : logSnrSigmas(sigmaOf(ab[T - 1]), sigmaOf(ab[0]), steps);
    const logSigmas = Float64Array.from(ab, (a) => Math.log(sigmaOf(a)));
    const t = Int32Array.from(sigmas, (s) => roundHalfEven(sigmaToT(s, logSigmas)));
    const alphaBar = new Float64Array(steps + 1);
    sigmas.forEach((s, i) => (alphaBar[i] = alphaBarOfSigma(s)));
    alphaBar[steps] = 1; // σ = 0: diffusers' final_sigmas_type "zero"
    return { t, alphaBar };
  }
  let t: Int32Array;
  if (spacing === 'tuned') {
    t = tunedTimesteps(options.tuned, steps, T);
  } else if (options.style === 'dpm' && spacing !== 'trailing') {
    // diffusers' DPM-Solver and UniPC lay N + 1 points and drop the last (t = 0), then end at σ = 0.
    t = timesteps(T, steps + 1, spacing, options.stepsOffset ?? 0).slice(0, steps);
  } else {
    t = timesteps(T, steps, spacing, options.stepsOffset ?? 0);
  }
  const alphaBar = new Float64Array(steps + 1);
  t.forEach((v, i) => (alphaBar[i] = ab[v]));
  alphaBar[steps] = options.finalAlphaBar;
  return { t, alphaBar };
}

/** σ from σ_max to σ_min, evenly spaced in σ^(1/ρ) (diffusers' use_karras_sigmas). */
export function karrasSigmas(sigmaMax: number, sigmaMin: number, n: number): Float64Array {
  const hi = sigmaMax ** (1 / KARRAS_RHO);
  const lo = sigmaMin ** (1 / KARRAS_RHO);
  return Float64Array.from({ length: n }, (_, i) => (hi + ramp(i, n) * (lo - hi)) ** KARRAS_RHO);
}

/** σ from σ_max to σ_min, evenly spaced in log σ, i.e. in λ = log(α/σ) (diffusers' use_lu_lambdas). */
export function logSnrSigmas(sigmaMax: number, sigmaMin: number, n: number): Float64Array {
  const hi = Math.log(sigmaMax);
  const lo = Math.log(sigmaMin);
  return Float64Array.from({ length: n }, (_, i) => Math.exp(hi + ramp(i, n) * (lo - hi)));
}

/** numpy.linspace(0, 1, n)[i]. */
function ramp(i: number, n: number): number {
  return n === 1 ? 0 : i === n - 1 ? 1 : i * (1 / (n - 1));
}

/**
 * The fractional timestep of σ: linear interpolation of log σ between the two training timesteps around
 * it, clamped to 0..T−1 (diffusers' _sigma_to_t).
 */
export function sigmaToT(sigma: number, logSigmas: Float64Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  let low = 0;
  for (let i = 0; i < logSigmas.length; i++) if (logSigma - logSigmas[i] >= 0) low = i;
  low = Math.min(low, logSigmas.length - 2);
  const w = Math.min(1, Math.max(0, (logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[low + 1])));
  return (1 - w) * low + w * (low + 1);
}

function tunedTimesteps(tuned: readonly number[] | undefined, steps: number, T: number): Int32Array {
  if (!tuned) {
    throw new Error(
      `There is no tuned grid for ${steps} steps of this model and sampler; make one with \`pndm tune\` or choose another spacing.`,
    );
  }
  if (tuned.length !== steps) {
    throw new Error(`The tuned grid has ${tuned.length} timesteps but ${steps} steps were asked for; tune again for ${steps} steps.`);
  }
  const t = Int32Array.from(tuned);
  t.forEach((v, i) => {
    if (!(v >= 0 && v < T && v === tuned[i] && (i === 0 || v < t[i - 1]))) {
      throw new Error(`The tuned grid [${tuned.join(', ')}] is not strictly decreasing whole timesteps inside 0..${T - 1}; tune again.`);
    }
  });
  return t;
}
