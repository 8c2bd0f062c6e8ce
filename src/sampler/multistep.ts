import type { SamplerContext } from './context';
import { predictX0 } from './pseudoStep';

/**
 * The loop the data-prediction multistep solvers share (DPM-Solver++, UniPC): one model call per grid
 * point, its x̂₀ kept in a newest-first history, an optional corrector that reuses that call (UniC),
 * then a step to the next point. Exponential integrators in λ = log(α/σ) (Lu et al. 2022, eq. 9).
 */

/** α = √ᾱ, σ = √(1 − ᾱ) and λ = log α − log σ at a grid point (λ = +∞ at the clean end). */
export interface Point {
  readonly alpha: number;
  readonly sigma: number;
  readonly lambda: number;
}

export function pointOf(alphaBar: number): Point {
  const alpha = Math.sqrt(alphaBar);
  const sigma = Math.sqrt(1 - alphaBar);
  return { alpha, sigma, lambda: Math.log(alpha) - Math.log(sigma) };
}

/** x̂₀ predicted at grid point `i`. */
export interface HistoryEntry {
  readonly x0: Float32Array;
  readonly i: number;
}

export interface MultistepSolver {
  /** Past x̂₀ the solver needs, the newest included. */
  readonly history: number;
  /** Order of the step from grid point i of n. */
  order(i: number, n: number): number;
  /** The step from point i to i + 1; `history` is newest first and starts with point i. */
  step(i: number, x: Float32Array, history: readonly HistoryEntry[], order: number): Float32Array;
  /**
   * Correct the state at point i with its own x̂₀ (`x0`), before the next step; `history` starts with
   * point i − 1, and `last` is the state at i − 1 and the order of the step that left it.
   */
  correct?(
    i: number,
    x: Float32Array,
    x0: Float32Array,
    history: readonly HistoryEntry[],
    last: { x: Float32Array; order: number },
  ): Float32Array;
}

export async function dataPredictionLoop(ctx: SamplerContext, xT: Float32Array, solver: MultistepSolver): Promise<Float32Array> {
  const n = ctx.grid.length;
  const history: HistoryEntry[] = [];
  let last: { x: Float32Array; order: number } | undefined;
  let x = xT;
  for (let i = 0; i < n; i++) {
    const t = ctx.grid[i];
    const e = await ctx.eps(x, t, i);
    const x0 = predictX0(x, e, ctx.points[i]);
    if (last && solver.correct) x = solver.correct(i, x, x0, history, last);
    history.unshift({ x0, i });
    history.length = Math.min(history.length, solver.history);
    const order = solver.order(i, n);
    last = { x, order };
    // Into σ = 0 every data-prediction integrator is x′ = x̂₀ exactly; the general formulas would
    // multiply ∞ by 0 there (diffusers' UniPC bh1 returns NaN on that step).
    const xNext = ctx.points[i + 1] === 1 ? x0.slice() : solver.step(i, x, history, order);
    await ctx.report(i, t, ctx.next[i], xNext, x0);
    x = xNext;
  }
  return x;
}
