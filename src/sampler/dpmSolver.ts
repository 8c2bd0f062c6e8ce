import type { SamplerContext } from './context';
import { dataPredictionLoop, pointOf, type HistoryEntry, type MultistepSolver } from './multistep';
import { combine } from './pseudoStep';

/**
 * DPM-Solver++ multistep, data prediction (Lu et al. 2022, "DPM-Solver++", algorithm 2), as diffusers'
 * DPMSolverMultistepScheduler(algorithm_type="dpmsolver++", solver_type="midpoint", lower_order_final=True,
 * final_sigmas_type="zero"): order 1, 2, … while the history fills; the last step is first order (into
 * σ = 0 it is x̂₀), and with fewer than 15 steps the one before it at most second order. NFE = N.
 */
export function sampleDpmSolver(order: 2 | 3) {
  return (ctx: SamplerContext, xT: Float32Array): Promise<Float32Array> => dataPredictionLoop(ctx, xT, dpmSolver(ctx, order));
}

function dpmSolver(ctx: SamplerContext, solverOrder: number): MultistepSolver {
  return {
    history: solverOrder,
    order(i, n) {
      let order = Math.min(solverOrder, i + 1);
      if (i === n - 1 && (ctx.points[n] === 1 || n < 15)) order = 1;
      if (i === n - 2 && n < 15) order = Math.min(order, 2);
      return order;
    },
    step: (i, x, history, order) => dpmStep(ctx, i, x, history, order),
  };
}

/** x′ = (σ′/σ)·x − α′(e^{−h} − 1)·(D₀ + …), the Taylor terms D₁, D₂ from divided differences of x̂₀ in λ. */
function dpmStep(ctx: SamplerContext, i: number, x: Float32Array, history: readonly HistoryEntry[], order: number): Float32Array {
  const to = pointOf(ctx.points[i + 1]);
  const from = pointOf(ctx.points[i]);
  const h = to.lambda - from.lambda;
  const phi = Math.expm1(-h);
  const lam = (k: number) => pointOf(ctx.points[history[k].i]).lambda;
  // coefficients of x̂₀ at points i, i−1, i−2 in D₁ and D₂
  if (order === 2) {
    const r0 = (from.lambda - lam(1)) / h;
    const d1 = [1 / r0, -1 / r0];
    // midpoint: x′ = … − ½α′(e^{−h} − 1)·D₁
    const c = d1.map((v, k) => -to.alpha * phi * ((k === 0 ? 1 : 0) + 0.5 * v));
    return combine([to.sigma / from.sigma, c[0], c[1]], [x, history[0].x0, history[1].x0]);
  }
  if (order === 3) {
    const r0 = (from.lambda - lam(1)) / h;
    const r1 = (lam(1) - lam(2)) / h;
    const d10 = [1 / r0, -1 / r0, 0];
    const d11 = [0, 1 / r1, -1 / r1];
    const d1 = d10.map((v, k) => v + (r0 / (r0 + r1)) * (v - d11[k]));
    const d2 = d10.map((v, k) => (v - d11[k]) / (r0 + r1));
    const c1 = to.alpha * (phi / h + 1);
    const c2 = -to.alpha * ((phi + h) / (h * h) - 0.5);
    const c = [0, 1, 2].map((k) => -to.alpha * phi * (k === 0 ? 1 : 0) + c1 * d1[k] + c2 * d2[k]);
    return combine([to.sigma / from.sigma, ...c], [x, history[0].x0, history[1].x0, history[2].x0]);
  }
  // first order: DDIM written in λ
  return combine([to.sigma / from.sigma, -to.alpha * phi], [x, history[0].x0]);
}
