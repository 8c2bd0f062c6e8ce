import type { SamplerContext } from './context';
import { combine, pseudoStep } from './pseudoStep';
import { midpoint } from './timesteps';

/**
 * Pseudo numerical methods (Liu et al., "Pseudo Numerical Methods for Diffusion Models on Manifolds",
 * ICLR 2022). Every step is x′ = φ(x, ε′, t → t′); the methods differ only in the direction ε′.
 * A step that would have to evaluate the model at the clean end (t′ = −1, or a midpoint of −1) is
 * taken as one DDIM step, as in the reference.
 */

/** Pseudo linear multistep (eq. 12): ε′ = (55e₀ − 59e₋₁ + 37e₋₂ − 9e₋₃)/24 over the history. */
export function adamsBashforth4(h: readonly Float32Array[]): Float32Array {
  const n = h.length;
  return combine(AB4.coefficients, [h[n - 1], h[n - 2], h[n - 3], h[n - 4]], AB4.divisor);
}

/**
 * F-PNDM (Algorithm 2): three pseudo Runge–Kutta steps (eq. 13, 4 calls each), then the pseudo
 * linear multistep method (1 call each). NFE = N + 9 for N ≥ 4.
 * The history holds the raw first output e₁ = ε(x, t) of each warm-up step, not the RK combination.
 */
export async function sampleFPndm(ctx: SamplerContext, xT: Float32Array): Promise<Float32Array> {
  const history: Float32Array[] = [];
  let x = xT;
  for (let i = 0; i < ctx.grid.length; i++) {
    const t = ctx.grid[i];
    const tNext = ctx.next[i];
    const ab = ctx.alphaBar(t);
    const abNext = ctx.alphaBar(tNext);
    const e1 = await ctx.eps(x, t, i);
    history.push(e1);
    let direction: Float32Array;
    if (history.length <= 3 && tNext >= 0) {
      // pseudo Runge–Kutta warm-up
      const tm = midpoint(t, tNext);
      const abMid = ctx.alphaBar(tm);
      const e2 = await ctx.eps(pseudoStep(x, e1, ab, abMid), tm, i);
      const e3 = await ctx.eps(pseudoStep(x, e2, ab, abMid), tm, i);
      const e4 = await ctx.eps(pseudoStep(x, e3, ab, abNext), tNext, i);
      direction = combine([1, 2, 2, 1], [e1, e2, e3, e4], 6);
    } else if (history.length <= 3) {
      // a warm-up step into the clean end: one DDIM step
      direction = e1;
    } else {
      // pseudo linear multistep
      direction = adamsBashforth4(history);
      history.shift();
    }
    const xBefore = x;
    x = pseudoStep(x, direction, ab, abNext);
    await ctx.reportEps(i, t, tNext, x, xBefore, direction);
  }
  return x;
}

/** An Adams–Bashforth rule on the newest raw outputs: ε′ = Σ c_k·e₋ₖ / divisor. */
interface MultistepRule {
  readonly coefficients: readonly number[];
  readonly divisor: number;
}

const AB2: MultistepRule = { coefficients: [3, -1], divisor: 2 };
const AB3: MultistepRule = { coefficients: [23, -16, 5], divisor: 12 };
const AB4: MultistepRule = { coefficients: [55, -59, 37, -9], divisor: 24 };

/**
 * S-PNDM (section 4.2): one pseudo improved-Euler step, ε′ = (e₁ + ε(φ(x, e₁, t → t′), t′))/2, then the
 * second-order pseudo multistep ε′ = (3e₀ − e₋₁)/2. NFE = N + 1.
 */
export function sampleSPndm(ctx: SamplerContext, xT: Float32Array): Promise<Float32Array> {
  return improvedEulerThenMultistep(ctx, xT, () => AB2);
}

/**
 * PLMS, diffusers' PNDMScheduler with skip_prk_steps (the sampler known from Stable Diffusion): the same
 * improved-Euler warm-up as S-PNDM, then Adams–Bashforth of growing order on the raw outputs:
 * AB2 (3, −1)/2, AB3 (23, −16, 5)/12, then AB4 (55, −59, 37, −9)/24. NFE = N + 1.
 */
export function samplePlms(ctx: SamplerContext, xT: Float32Array): Promise<Float32Array> {
  return improvedEulerThenMultistep(ctx, xT, (available) => [AB2, AB3, AB4][Math.min(available, 4) - 2]);
}

async function improvedEulerThenMultistep(
  ctx: SamplerContext,
  xT: Float32Array,
  ruleFor: (outputsAvailable: number) => MultistepRule,
): Promise<Float32Array> {
  const history: Float32Array[] = [];
  let x = xT;
  for (let i = 0; i < ctx.grid.length; i++) {
    const t = ctx.grid[i];
    const tNext = ctx.next[i];
    const ab = ctx.alphaBar(t);
    const abNext = ctx.alphaBar(tNext);
    const e0 = await ctx.eps(x, t, i);
    history.unshift(e0);
    let direction: Float32Array;
    if (i === 0 && tNext >= 0) {
      // pseudo improved Euler warm-up
      const e2 = await ctx.eps(pseudoStep(x, e0, ab, abNext), tNext, i);
      direction = combine([1, 1], [e0, e2], 2);
    } else if (i === 0) {
      direction = e0; // a single step into the clean end: DDIM
    } else {
      // pseudo linear multistep
      const rule = ruleFor(history.length);
      history.length = rule.coefficients.length;
      direction = combine(rule.coefficients, history, rule.divisor);
    }
    const xBefore = x;
    x = pseudoStep(x, direction, ab, abNext);
    await ctx.reportEps(i, t, tNext, x, xBefore, direction);
  }
  return x;
}
