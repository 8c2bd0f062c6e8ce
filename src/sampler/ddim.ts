import type { SamplerContext } from './context';
import type { MethodOptions } from './options';
import { epsOfClippedX0, predictX0, pseudoStep } from './pseudoStep';

/**
 * DDIM (Song et al. 2021, eq. 12). η = 0: the deterministic step x′ = φ(x, ε(x, t), t → t′), NFE = N.
 * η > 0: σ = η·√((1−ᾱ′)/(1−ᾱ))·√(1−ᾱ/ᾱ′), x′ = √ᾱ′·x̂₀ + √(1−ᾱ′−σ²)·ε + σ·z, z from the run's noise.
 * With clipSample, x̂₀ is clipped first and ε re-derived from it (diffusers' clip_sample).
 */
export async function sampleDdim(ctx: SamplerContext, xT: Float32Array, options: MethodOptions): Promise<Float32Array> {
  let x = xT;
  for (let i = 0; i < ctx.grid.length; i++) {
    const t = ctx.grid[i];
    const tNext = ctx.next[i];
    const raw = await ctx.eps(x, t, i);
    const e = options.clipSample === undefined ? raw : epsOfClippedX0(x, raw, ctx.alphaBar(t), options.clipSample);
    const xBefore = x;
    x = options.eta > 0 ? stochasticDdimStep(ctx, options.eta, x, e, t, tNext) : pseudoStep(x, e, ctx.alphaBar(t), ctx.alphaBar(tNext));
    await ctx.reportEps(i, t, tNext, x, xBefore, e);
  }
  return x;
}

/** One DDIM step with η > 0 (deterministic part plus fresh noise; no noise into the clean end). */
export function stochasticDdimStep(
  ctx: SamplerContext,
  eta: number,
  x: Float32Array,
  e: Float32Array,
  t: number,
  tNext: number,
): Float32Array {
  const ab = ctx.alphaBar(t);
  const abNext = ctx.alphaBar(tNext);
  const sigma = eta * Math.sqrt((1 - abNext) / (1 - ab)) * Math.sqrt(1 - ab / abNext);
  const x0 = predictX0(x, e, ab);
  const cx0 = Math.fround(Math.sqrt(abNext));
  const ce = Math.fround(Math.sqrt(Math.max(0, 1 - abNext - sigma * sigma)));
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.fround(cx0 * x0[i]) + Math.fround(ce * e[i]);
  if (sigma > 0) addNoise(ctx, out, sigma);
  return out;
}

/** out += σ·z with z drawn image by image from the run's noise streams; σ one number or one per element. */
export function addNoise(ctx: SamplerContext, out: Float32Array, sigma: number | Float32Array): void {
  if (!ctx.noise) throw new Error('This sampler is stochastic and needs a noise source (a seed).');
  const perImage = out.length / ctx.count;
  const z = new Float32Array(perImage);
  const s = typeof sigma === 'number' ? Math.fround(sigma) : 0;
  for (let k = 0; k < ctx.count; k++) {
    ctx.noise.fill(k, z);
    const base = k * perImage;
    for (let i = 0; i < perImage; i++) {
      const si = typeof sigma === 'number' ? s : sigma[base + i];
      out[base + i] = out[base + i] + Math.fround(si * z[i]);
    }
  }
}
