import type { SamplerContext } from './context';
import { dataPredictionLoop, pointOf, type HistoryEntry, type MultistepSolver } from './multistep';
import type { MethodOptions } from './options';
import { combine } from './pseudoStep';

/**
 * UniPC (Zhao et al. 2023, "UniPC: A Unified Predictor-Corrector Framework", algorithms 1–3), data
 * prediction, as diffusers' UniPCMultistepScheduler: the UniP-p predictor, then at the next point the
 * UniC corrector, which reuses that point's model output (no extra call; none after the last step).
 * The order grows with the history and falls to 1 at the last step (lower_order_final). NFE = N.
 */
export async function sampleUniPc(ctx: SamplerContext, xT: Float32Array, options: MethodOptions): Promise<Float32Array> {
  const solverOrder = options.solverOrder ?? 2;
  const bh1 = options.solverType === 'bh1';
  const solver: MultistepSolver = {
    history: solverOrder,
    order: (i, n) => Math.min(solverOrder, n - i, i + 1),
    step: (i, x, history, order) => uniP(ctx, bh1, i, x, history, order),
    correct: (i, _predicted, x0, history, last) => uniC(ctx, bh1, i, x0, history, last.x, last.order),
  };
  return dataPredictionLoop(ctx, xT, solver);
}

/** The φ-function coefficients of a step of length h in λ: h·φ₁, B(h) and b_k = h·φ_{k+1}·k!/B(h), k = 1..p. */
function coefficients(bh1: boolean, h: number, p: number): { hPhi1: number; bh: number; b: number[] } {
  const hh = -h;
  const hPhi1 = Math.expm1(hh);
  const bh = bh1 ? hh : Math.expm1(hh);
  const b: number[] = [];
  let hPhiK = hPhi1 / hh - 1;
  let factorial = 1;
  for (let k = 1; k <= p; k++) {
    b.push((hPhiK * factorial) / bh);
    factorial *= k + 1;
    hPhiK = hPhiK / hh - 1 / factorial;
  }
  return { hPhi1, bh, b };
}

/** r_k = (λ at history[k] − λ at the step's start)/h for k = 1..p−1. */
function ratios(ctx: SamplerContext, history: readonly HistoryEntry[], p: number, lambda0: number, h: number): number[] {
  return history.slice(1, p).map((e) => (pointOf(ctx.points[e.i]).lambda - lambda0) / h);
}

/** UniP-p from point i to i + 1: x′ = (σ′/σ)x − α′hφ₁·m₀ − α′B(h)·Σ ρ_k·(m_k − m₀)/r_k. */
function uniP(ctx: SamplerContext, bh1: boolean, i: number, x: Float32Array, history: readonly HistoryEntry[], p: number): Float32Array {
  const to = pointOf(ctx.points[i + 1]);
  const from = pointOf(ctx.points[i]);
  const h = to.lambda - from.lambda;
  const { hPhi1, bh, b } = coefficients(bh1, h, p);
  const r = ratios(ctx, history, p, from.lambda, h);
  // order 2 uses ρ = ½ (diffusers' simplification); order 3 solves the Vandermonde system without its last row
  const rho = p === 1 ? [] : p === 2 ? [0.5] : solve(vandermonde(r), b.slice(0, p - 1));
  const c = [-to.alpha * hPhi1];
  r.forEach((rk, k) => {
    const w = (-to.alpha * bh * rho[k]) / rk;
    c.push(w);
    c[0] -= w;
  });
  return combine([to.sigma / from.sigma, ...c], [x, ...history.slice(0, p).map((e) => e.x0)]);
}

/**
 * UniC-p at point i, from the state at i − 1 (`xLast`), with point i's own x̂₀ (`x0`):
 * x_c = (σ/σ₋₁)x₋₁ − αhφ₁·m₀ − αB(h)·(Σ ρ_k·(m_k − m₀)/r_k + ρ_p·(x̂₀ − m₀)).
 */
function uniC(
  ctx: SamplerContext,
  bh1: boolean,
  i: number,
  x0: Float32Array,
  history: readonly HistoryEntry[],
  xLast: Float32Array,
  p: number,
): Float32Array {
  const to = pointOf(ctx.points[i]);
  const from = pointOf(ctx.points[i - 1]);
  const h = to.lambda - from.lambda;
  const { hPhi1, bh, b } = coefficients(bh1, h, p);
  const r = ratios(ctx, history, p, from.lambda, h);
  const rho = p === 1 ? [0.5] : solve(vandermonde([...r, 1]), b);
  const c = [-to.alpha * hPhi1];
  r.forEach((rk, k) => {
    const w = (-to.alpha * bh * rho[k]) / rk;
    c.push(w);
    c[0] -= w;
  });
  const wT = -to.alpha * bh * rho[p - 1];
  c[0] -= wT;
  return combine([to.sigma / from.sigma, ...c, wT], [xLast, ...history.slice(0, p).map((e) => e.x0), x0]);
}

/** R[j][k] = r_k^j, j, k = 0..n−1. */
function vandermonde(r: readonly number[]): number[][] {
  return r.map((_, j) => r.map((rk) => rk ** j));
}

/** a·y = b by Gaussian elimination with partial pivoting (n ≤ 3). */
export function solve(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length;
  const m = a.map((row, j) => [...row, b[j]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(m[row][col]) > Math.abs(m[pivot][col])) pivot = row;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let row = col + 1; row < n; row++) {
      const f = m[row][col] / m[col][col];
      for (let k = col; k <= n; k++) m[row][k] -= f * m[col][k];
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row--) {
    let s = m[row][n];
    for (let k = row + 1; k < n; k++) s -= m[row][k] * y[k];
    y[row] = s / m[row][row];
  }
  return y;
}
