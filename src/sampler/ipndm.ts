import type { SamplerContext } from './context';
import type { MethodOptions } from './options';
import { combine, pseudoStep } from './pseudoStep';

/**
 * Adams–Bashforth coefficients of orders 1–4, newest ε first, over a common divisor. iPNDM uses them as
 * they are on any grid (Zhang & Chen 2023, "Fast Sampling of Diffusion Models with Exponential Integrator",
 * section 5; zju-pi/diff-sampler's ipndm_sampler).
 */
const ADAMS_BASHFORTH: readonly { coefficients: readonly number[]; divisor: number }[] = [
  { coefficients: [1], divisor: 1 },
  { coefficients: [3, -1], divisor: 2 },
  { coefficients: [23, -16, 5], divisor: 12 },
  { coefficients: [55, -59, 37, -9], divisor: 24 },
];

/**
 * iPNDM, improved PNDM: the 4th-order Adams–Bashforth method in (σ, x/√ᾱ) with σ = √((1 − ᾱ)/ᾱ), where
 * dx̄/dσ = ε. The first steps use orders 1, 2, 3 on the outputs they have instead of PNDM's warm-up
 * calls, so NFE = N. One step x̄′ = x̄ + (σ′ − σ)·ε′ is exactly the pseudo step φ(x, ε′, ᾱ → ᾱ′).
 */
export async function sampleIPndm(ctx: SamplerContext, xT: Float32Array, options: MethodOptions): Promise<Float32Array> {
  const maxOrder = options.solverOrder ?? 4;
  const history: Float32Array[] = []; // newest first
  let x = xT;
  for (let i = 0; i < ctx.grid.length; i++) {
    const e = await ctx.eps(x, ctx.grid[i], i);
    history.unshift(e);
    history.length = Math.min(history.length, maxOrder);
    const rule = ADAMS_BASHFORTH[history.length - 1];
    const direction = history.length === 1 ? e : combine(rule.coefficients, history, rule.divisor);
    const xBefore = x;
    x = pseudoStep(x, direction, ctx.points[i], ctx.points[i + 1]);
    await ctx.reportGridStep(i, x, xBefore, e);
  }
  return x;
}
