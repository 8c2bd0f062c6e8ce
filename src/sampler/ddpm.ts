import type { SamplerContext } from './context';
import { addNoise } from './ddim';

/**
 * DDPM ancestral sampling (Ho et al. 2020, Algorithm 2), on any grid: with α = ᾱ/ᾱ′ and β = 1 − α,
 * x′ = (x − β/√(1−ᾱ)·ε)/√α + √β·z, variance β ("fixed_large"), no noise on the last step.
 * On the full grid of T steps β is the training β_t, the seed's sampler exactly.
 */
export async function sampleDdpm(ctx: SamplerContext, xT: Float32Array): Promise<Float32Array> {
  let x = xT;
  for (let i = 0; i < ctx.grid.length; i++) {
    const t = ctx.grid[i];
    const tNext = ctx.next[i];
    const ab = ctx.alphaBar(t);
    const alpha = ab / ctx.alphaBar(tNext);
    const beta = 1 - alpha;
    const e = await ctx.eps(x, t, i);
    const cx = Math.fround(1 / Math.sqrt(alpha));
    const ce = Math.fround(beta / Math.sqrt(1 - ab) / Math.sqrt(alpha));
    const xBefore = x;
    x = new Float32Array(x.length);
    for (let j = 0; j < x.length; j++) x[j] = Math.fround(cx * xBefore[j]) - Math.fround(ce * e[j]);
    if (i < ctx.grid.length - 1 && beta > 0) addNoise(ctx, x, Math.sqrt(beta));
    await ctx.reportEps(i, t, tNext, x, xBefore, e);
  }
  return x;
}
