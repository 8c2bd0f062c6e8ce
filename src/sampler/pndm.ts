import type { SamplerContext } from './context';
import { combine, pseudoStep } from './pseudoStep';
import { midpoint } from './timesteps';

/**
 * Pseudo numerical methods (Liu et al., "Pseudo Numerical Methods for Diffusion Models on Manifolds",
 * ICLR 2022). Every step is x′ = φ(x, ε′, t → t′); the methods differ only in the direction ε′.
 * A step that would have to evaluate the model at the clean end (t′ = −1, or a midpoint of −1) is
 * taken as one DDIM step, as in the reference.
 */

/** An Adams–Bashforth rule on the newest raw outputs: ε′ = Σ c_k·e₋ₖ / divisor. */
interface MultistepRule {
  readonly coefficients: readonly number[];
  readonly divisor: number;
}

const AB2: MultistepRule = { coefficients: [3, -1], divisor: 2 };
const AB3: MultistepRule = { coefficients: [23, -16, 5], divisor: 12 };
/** The pseudo linear multistep method (eq. 12): (55e₀ − 59e₋₁ + 37e₋₂ − 9e₋₃)/24. */
const AB4: MultistepRule = { coefficients: [55, -59, 37, -9], divisor: 24 };

/** What a method's direction rule sees at step i: the state, ε(x, t) and the step's ends. */
interface StepStart {
  readonly i: number;
  readonly x: Float32Array;
  readonly e: Float32Array;
  readonly t: number;
  readonly tNext: number;
  readonly ab: number;
  readonly abNext: number;
}

/** The loop all pseudo numerical methods share: ε(x, t), a direction ε′, then x′ = φ(x, ε′, t → t′). */
async function pseudoNumericalLoop(
  ctx: SamplerContext,
  xT: Float32Array,
  directionFor: (s: StepStart) => Promise<Float32Array>,
): Promise<Float32Array> {
  let x = xT;
  for (let i = 0; i < ctx.grid.length; i++) {
    const t = ctx.grid[i];
    const tNext = ctx.next[i];
    const ab = ctx.alphaBar(t);
    const abNext = ctx.alphaBar(tNext);
    const e = await ctx.eps(x, t, i);
    const direction = await directionFor({ i, x, e, t, tNext, ab, abNext });
    const xBefore = x;
    x = pseudoStep(x, direction, ab, abNext);
    await ctx.reportEps(i, t, tNext, x, xBefore, direction);
  }
  return x;
}

/** ε′ = Σ c_k·history[k] with the newest output first. */
function applyRule(rule: MultistepRule, newestFirst: readonly Float32Array[]): Float32Array {
  return combine(rule.coefficients, newestFirst.slice(0, rule.coefficients.length), rule.divisor);
}

/**
 * F-PNDM (Algorithm 2): three pseudo Runge–Kutta steps (eq. 13, 4 calls each), then the pseudo
 * linear multistep method (1 call each). NFE = N + 9 for N ≥ 4.
 * The history holds the raw first output e₁ = ε(x, t) of each warm-up step, not the RK combination.
 */
export function sampleFPndm(ctx: SamplerContext, xT: Float32Array): Promise<Float32Array> {
  const history: Float32Array[] = []; // newest first
  return pseudoNumericalLoop(ctx, xT, async ({ i, x, e, t, tNext, ab, abNext }) => {
    history.unshift(e);
    history.length = Math.min(history.length, 4);
    if (i >= 3) return applyRule(AB4, history); // pseudo linear multistep
    if (tNext < 0) return e; // a warm-up step into the clean end: one DDIM step
    // pseudo Runge–Kutta warm-up
    const tm = midpoint(t, tNext);
    const abMid = ctx.alphaBar(tm);
    const e2 = await ctx.eps(pseudoStep(x, e, ab, abMid), tm, i);
    const e3 = await ctx.eps(pseudoStep(x, e2, ab, abMid), tm, i);
    const e4 = await ctx.eps(pseudoStep(x, e3, ab, abNext), tNext, i);
    return combine([1, 2, 2, 1], [e, e2, e3, e4], 6);
  });
}

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

function improvedEulerThenMultistep(
  ctx: SamplerContext,
  xT: Float32Array,
  ruleFor: (outputsAvailable: number) => MultistepRule,
): Promise<Float32Array> {
  const history: Float32Array[] = []; // newest first
  return pseudoNumericalLoop(ctx, xT, async ({ i, x, e, tNext, ab, abNext }) => {
    history.unshift(e);
    history.length = Math.min(history.length, 4);
    if (i > 0) return applyRule(ruleFor(history.length), history); // pseudo linear multistep
    if (tNext < 0) return e; // a single step into the clean end: DDIM
    // pseudo improved Euler warm-up
    const e2 = await ctx.eps(pseudoStep(x, e, ab, abNext), tNext, i);
    return combine([1, 1], [e, e2], 2);
  });
}
