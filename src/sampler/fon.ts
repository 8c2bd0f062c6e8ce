import { odeAlphaBar } from './alphas';
import type { SamplerContext } from './context';
import { addScaled, combine, pseudoStep, subtract } from './pseudoStep';
import { midpoint } from './timesteps';

/**
 * FON, the fourth-order classical method on the diffusion ODE (Liu et al. 2022, section 3.1): RK4 in t
 * on f(x, t) = φ(x, ε(x, t), t → t−1) − x with h = t − t′:
 * k₁ = f(x, t), k₂ = f(x + h/2·k₁, t_m), k₃ = f(x + h/2·k₂, t_m), k₄ = f(x + h·k₃, t′),
 * x′ = x + h/6·(k₁ + 2k₂ + 2k₃ + k₄). The final step into the clean end is one DDIM step.
 * NFE = 4(N − 1) + 1. f is the ODE's, so f(x, 0) uses ᾱ(−1) = 1 whatever the final-step convention
 * (with diffusers' set_alpha_to_one = false only that last DDIM step goes to ᾱ[0]).
 */
export async function sampleFon(ctx: SamplerContext, xT: Float32Array): Promise<Float32Array> {
  let x = xT;
  const f = async (y: Float32Array, t: number, step: number) => {
    const e = await ctx.eps(y, t, step);
    return { k: subtract(pseudoStep(y, e, ctx.alphaBar(t), odeAlphaBar(ctx, t - 1)), y), e };
  };
  for (let i = 0; i < ctx.grid.length; i++) {
    const t = ctx.grid[i];
    const tNext = ctx.next[i];
    const xBefore = x;
    if (tNext < 0) {
      // the final step into the clean end: DDIM
      const e = await ctx.eps(x, t, i);
      x = pseudoStep(x, e, ctx.alphaBar(t), ctx.alphaBar(tNext));
      await ctx.reportEps(i, t, tNext, x, xBefore, e);
      continue;
    }
    // classical Runge–Kutta, fourth order
    const h = t - tNext;
    const tm = midpoint(t, tNext);
    const first = await f(x, t, i);
    const k2 = (await f(addScaled(x, h / 2, first.k), tm, i)).k;
    const k3 = (await f(addScaled(x, h / 2, k2), tm, i)).k;
    const k4 = (await f(addScaled(x, h, k3), tNext, i)).k;
    x = addScaled(x, h / 6, combine([1, 2, 2, 1], [first.k, k2, k3, k4]));
    await ctx.reportEps(i, t, tNext, x, xBefore, first.e);
  }
  return x;
}
