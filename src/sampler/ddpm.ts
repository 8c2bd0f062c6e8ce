import { odeAlphaBar } from './alphas';
import type { SamplerContext } from './context';
import { addNoise } from './ddim';
import type { MethodOptions, VarianceType } from './options';
import { clipInPlace, predictX0 } from './pseudoStep';

/**
 * DDPM ancestral sampling (Ho et al. 2020, Algorithm 2) on any grid, as diffusers' DDPMScheduler.step:
 * with α = ᾱ/ᾱ′ and β = 1 − α (the training β_t on the full grid), x̂₀ = (x − √(1−ᾱ)·ε)/√ᾱ (clipped to
 * ±clipSample when given),
 * x′ = √ᾱ′·β/(1−ᾱ)·x̂₀ + √α·(1−ᾱ′)/(1−ᾱ)·x + σ·z (eq. 7: the mean of the posterior q(x′ | x, x̂₀)),
 * no noise on the last step, which ends at ᾱ = 1 whatever the final-step convention. σ² by variance type (Nichol & Dhariwal 2021, section 3.1):
 * - fixed_small: the posterior variance β̃ = (1−ᾱ′)/(1−ᾱ)·β, clipped at 1e-20 (diffusers' default). Right on
 *   any grid, because it is the variance of the same posterior whose mean the step takes.
 * - fixed_large: β. On a strided grid β is far larger than β̃ and the samples come out grainy.
 * - learned: the model's variance channels v, σ² = v (as diffusers uses them).
 * - learned_range: log σ² = f·log β + (1−f)·log β̃ with f = (v + 1)/2, v from the model.
 */
export async function sampleDdpm(ctx: SamplerContext, xT: Float32Array, options: MethodOptions): Promise<Float32Array> {
  const learned = options.variance === 'learned' || options.variance === 'learned_range';
  let x = xT;
  for (let i = 0; i < ctx.grid.length; i++) {
    const t = ctx.grid[i];
    const tNext = ctx.next[i];
    const ab = ctx.alphaBar(t);
    const abNext = odeAlphaBar(ctx, tNext); // diffusers' DDPM has no set_alpha_to_one: its last step always ends at ᾱ = 1
    const beta = 1 - ab / abNext;
    const out = learned ? await ctx.epsWithVariance(x, t, i) : { eps: await ctx.eps(x, t, i), variance: undefined };
    const x0 = predictX0(x, out.eps, ab);
    if (options.clipSample !== undefined) clipInPlace(x0, options.clipSample);
    const cx0 = Math.fround((Math.sqrt(abNext) * beta) / (1 - ab));
    const cx = Math.fround((Math.sqrt(1 - beta) * (1 - abNext)) / (1 - ab));
    const xBefore = x;
    x = new Float32Array(x.length);
    for (let j = 0; j < x.length; j++) x[j] = Math.fround(cx0 * x0[j]) + Math.fround(cx * xBefore[j]);
    if (i < ctx.grid.length - 1) addNoise(ctx, x, stepStd(options.variance, beta, ab, abNext, out.variance, i, t));
    await ctx.report(i, t, tNext, x, x0);
  }
  return x;
}

/** σ of one step: a number for the fixed types, one per element for the learned ones. */
export function stepStd(
  type: VarianceType,
  beta: number,
  ab: number,
  abNext: number,
  predicted: Float32Array | undefined,
  step: number,
  t: number,
): number | Float32Array {
  const posterior = Math.max(((1 - abNext) / (1 - ab)) * beta, 1e-20);
  switch (type) {
    case 'fixed_small':
      return Math.sqrt(posterior);
    case 'fixed_large':
      return Math.sqrt(beta);
    case 'learned':
    case 'learned_range': {
      if (!predicted) throw new Error(`The variance type ${type} needs the model's variance output.`);
      const logMin = Math.log(posterior);
      const logMax = Math.log(beta);
      const std = new Float32Array(predicted.length);
      for (let j = 0; j < std.length; j++) {
        const v = predicted[j];
        if (type === 'learned' && v < 0) {
          throw new Error(
            `The model's variance output is negative (${v}) at step ${step + 1} (t = ${t}), so it is not a variance: ` +
              'if the model was trained for it, use the variance learned_range, otherwise fixed_small.',
          );
        }
        const f = (v + 1) / 2;
        std[j] = type === 'learned' ? Math.sqrt(v) : Math.exp(0.5 * (f * logMax + (1 - f) * logMin));
      }
      return std;
    }
    default:
      throw new Error(`Unknown variance type "${String(type)}"; use one of fixed_small, fixed_large, learned, learned_range.`);
  }
}
