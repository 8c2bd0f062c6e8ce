/**
 * A timestep grid tuned to one model (after GITS, Chen et al. 2024, "On the Trajectory Regularity of
 * ODE-based Diffusion Sampling"): accurate trajectories from a few seeds, the local error of one DDIM step
 * between every pair of candidate timesteps on them, then dynamic programming for the N-step grid from
 * T−1 to the clean end with the least accumulated local error; then a local refinement that scores the
 * chosen sampler itself on those trajectories.
 */
import { pseudoStep, type ModelCallInfo, type SamplerName } from '../sampler';
import { evaluateOne, rmsDiff, referenceSolution, type EvalRun } from './evaluate';
import { rememberingModel, type RememberingModel } from './memo';

export interface TuneProgress {
  readonly phase: 'reference' | 'costs' | 'search' | 'refine' | 'held-out';
  readonly done: number;
  readonly total: number;
  /** Where the phase is beyond done/total (the refinement's move size, sweep and best RMS). */
  readonly note?: string;
}

/** A model-call listener that reports calls done of `total` in `phase`. */
export function progressOf(phase: TuneProgress['phase'], total: number, onProgress?: (p: TuneProgress) => void): () => void {
  let done = 0;
  return () => onProgress?.({ phase, done: ++done, total });
}

export interface GridSearch {
  /** Model-call timesteps of the N steps, descending, starting at T−1. */
  readonly timesteps: number[];
  /** The reference solution at the clean end, for scoring samplers on the same trajectories. */
  readonly reference: Float32Array;
  /** The accumulated local DDIM error of the chosen grid. */
  readonly cost: number;
}

/**
 * Candidates: `candidates` timesteps of the reference grid spread evenly in log-SNR, T−1 always among them.
 * Returns the N model-call timesteps with the least summed one-step error into the next point (or the end).
 */
export async function searchGrid(
  run: EvalRun,
  options: { steps: number; referenceSteps: number; candidates: number; onProgress?: (p: TuneProgress) => void },
): Promise<GridSearch> {
  const { steps, referenceSteps } = options;
  const T = run.schedule.config.numTrainTimesteps;
  const ab = run.schedule.alphasCumprod;
  const referenceGrid = Array.from({ length: referenceSteps }, (_, i) => Math.round(T - (i * T) / referenceSteps) - 1);
  const wanted = new Set(pickCandidates(referenceGrid, ab, options.candidates));
  const states = new Map<number, { x: Float32Array; eps: Float32Array }>();
  const reported = progressOf('reference', referenceSteps, options.onProgress);
  const reference = await referenceSolution(run, referenceSteps, (call: ModelCallInfo) => {
    if (wanted.has(call.t) && !states.has(call.t)) states.set(call.t, { x: call.x.slice(), eps: call.eps });
    reported();
  });
  // candidate points from T−1 down, then the clean end (index K)
  const ts = [...states.keys()].sort((a, b) => b - a);
  const K = ts.length;
  if (K < steps) {
    throw new Error(`Only ${K} candidate timesteps for ${steps} steps; use more --candidates or fewer steps.`);
  }
  const alphaEnd = run.base.finalAlphaBar === 'one' ? 1 : ab[0];
  const cost: Float64Array[] = ts.map(() => new Float64Array(K + 1).fill(Infinity));
  for (let i = 0; i < K; i++) {
    const from = states.get(ts[i])!;
    for (let j = i + 1; j <= K; j++) {
      const target = j === K ? reference : states.get(ts[j])!.x;
      cost[i][j] = rmsDiff(pseudoStep(from.x, from.eps, ab[ts[i]], j === K ? alphaEnd : ab[ts[j]]), target);
    }
    options.onProgress?.({ phase: 'costs', done: i + 1, total: K });
  }
  // best[k][j]: least cost to reach point j in k steps from point 0; prev for the path back
  const best = Array.from({ length: steps + 1 }, () => new Float64Array(K + 1).fill(Infinity));
  const prev = Array.from({ length: steps + 1 }, () => new Int32Array(K + 1).fill(-1));
  best[0][0] = 0;
  for (let k = 1; k <= steps; k++) {
    for (let j = 1; j <= K; j++) {
      for (let i = 0; i < j; i++) {
        const c = best[k - 1][i] + cost[Math.min(i, K - 1)][j];
        if (i < K && c < best[k][j]) {
          best[k][j] = c;
          prev[k][j] = i;
        }
      }
    }
    options.onProgress?.({ phase: 'search', done: k, total: steps });
  }
  const path: number[] = [];
  for (let k = steps, j = K; k > 0; k--) {
    j = prev[k][j];
    path.unshift(ts[j]);
  }
  return { timesteps: path, reference, cost: best[steps][K] };
}

/** About n timesteps of `grid` (descending), nearest to points evenly spaced in log-SNR, the first always kept. */
export function pickCandidates(grid: readonly number[], alphasCumprod: ArrayLike<number>, n: number): number[] {
  const lambda = (t: number) => Math.log(alphasCumprod[t] / (1 - alphasCumprod[t]));
  const hi = lambda(grid[grid.length - 1]);
  const lo = lambda(grid[0]);
  const picked = new Set<number>([grid[0]]);
  let g = 0;
  for (let k = 1; k < n; k++) {
    const target = lo + ((hi - lo) * k) / (n - 1);
    while (g + 1 < grid.length && Math.abs(lambda(grid[g + 1]) - target) <= Math.abs(lambda(grid[g]) - target)) g++;
    picked.add(grid[g]);
  }
  return [...picked];
}

/** What bounds the pattern search. */
export interface RefineLimits {
  /** Most sweeps per move size. */
  readonly sweeps: number;
  /**
   * Most ratio between neighbouring steps (in timesteps; the jump to the clean end not counted). A
   * multistep solver's weights grow with uneven steps, and an unbounded search found grids with a step
   * of 14 after one of 114 that scored well on the tuned images by cancelling errors and badly on others.
   * Infinity: no bound.
   */
  readonly maxStepRatio: number;
  readonly onProgress?: (p: TuneProgress) => void;
}

/** The largest ratio between neighbouring steps of a grid (1 for an even one). */
export function stepRatio(grid: readonly number[]): number {
  let worst = 1;
  for (let i = 2; i < grid.length; i++) {
    const [a, b] = [grid[i - 2] - grid[i - 1], grid[i - 1] - grid[i]];
    worst = Math.max(worst, a / b, b / a);
  }
  return worst;
}

/**
 * Local refinement for the sampler itself (the search above scores DDIM steps): a pattern search that
 * moves each point in turn by ±d timesteps and keeps a move when the sampler's RMS to the reference
 * falls, sweeping until a sweep keeps nothing (at most `sweeps` sweeps), for d = the largest power of
 * two not above T/N, then half of it, … down to 1. Starts from the best of the given grids within the
 * step-ratio bound (or, when none is, the best of them, bounded by its own ratio). A trial repeats the
 * best grid's calls before the point it moves, so those come from memory.
 */
export async function refineGrid(
  run: EvalRun,
  reference: Float32Array,
  sampler: SamplerName,
  starts: readonly (readonly number[])[],
  { sweeps, maxStepRatio, onProgress }: RefineLimits,
): Promise<{ timesteps: number[]; rms: number; calls: RememberingModel['counts'] }> {
  const T = run.schedule.config.numTrainTimesteps;
  const n = starts[0].length;
  // the best grid's calls and one trial's: what the next trial can reuse
  const model = rememberingModel(run.model, 2 * n + 2);
  const searchRun = { ...run, model };
  const score = async (grid: readonly number[]) => (await evaluateOne(searchRun, reference, sampler, 'tuned', grid.length, grid)).rms;
  const within = starts.filter((g) => stepRatio(g) <= maxStepRatio);
  let best = [...starts[0]];
  let bestRms = Infinity;
  for (const start of within.length ? within : starts) {
    const rms = await score(start);
    if (rms < bestRms) [best, bestRms] = [[...start], rms];
  }
  const bound = Math.max(maxStepRatio, stepRatio(best));
  for (let d = 2 ** Math.floor(Math.log2(Math.max(1, T / n))); d >= 1; d /= 2) {
    for (let sweep = 1; sweep <= sweeps; sweep++) {
      let kept = false;
      for (let i = 0; i < n; i++) {
        const above = i === 0 ? T - 1 : best[i - 1] - 1;
        const below = i === n - 1 ? 0 : best[i + 1] + 1;
        for (const t of [best[i] + d, best[i] - d]) {
          if (t > above || t < below) continue;
          const trial = best.map((v, k) => (k === i ? t : v));
          if (stepRatio(trial) > bound) continue;
          const rms = await score(trial);
          if (rms < bestRms) {
            [best, bestRms] = [trial, rms];
            kept = true;
            break;
          }
        }
        onProgress?.({ phase: 'refine', done: i + 1, total: n, note: `moves of ${d}, sweep ${sweep}, RMS ${bestRms.toFixed(4)}` });
      }
      if (!kept) break;
    }
  }
  return { timesteps: best, rms: bestRms, calls: model.counts };
}
