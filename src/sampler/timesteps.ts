/**
 * Timestep grids as data (diffusers' `timestep_spacing`; Lin et al. 2024, table 2).
 * A grid is the N timesteps a sampler starts its steps from, descending; the step from grid[i] goes to
 * grid[i+1], and the last one goes to −1, the clean end where ᾱ(−1) = 1 (or ᾱ[0], see `finalAlphaBar`).
 */

/** diffusers' timestep_spacing values: grids on the model's own timesteps. */
export const TIMESTEP_SPACINGS = ['leading', 'trailing', 'linspace'] as const;
export type TimestepSpacing = (typeof TIMESTEP_SPACINGS)[number];
/** Every grid: the timestep spacings, σ-space grids (karras, logsnr; see grid.ts) and a grid tuned to the model. */
export const SPACINGS = [...TIMESTEP_SPACINGS, 'karras', 'logsnr', 'tuned'] as const;
export type Spacing = (typeof SPACINGS)[number];

/** The step targets of a grid: next[i] = grid[i+1], next[N−1] = −1. */
export function nextTimesteps(grid: Int32Array): Int32Array {
  const next = new Int32Array(grid.length);
  for (let i = 0; i < grid.length; i++) next[i] = i + 1 < grid.length ? grid[i + 1] : -1;
  return next;
}

/**
 * N descending timesteps in 0..T−1.
 * - leading (default; the PNDM paper and the reference): stride = ⌊T/N⌋, t_i = (N−1−i)·stride + offset
 * - trailing: round(T − i·T/N) − 1, so the first step starts at T−1
 * - linspace: round(linspace(0, T−1, N)) reversed
 */
export function timesteps(numTrainTimesteps: number, steps: number, spacing: Spacing = 'leading', stepsOffset = 0): Int32Array {
  if ((SPACINGS as readonly string[]).includes(spacing) && !(TIMESTEP_SPACINGS as readonly string[]).includes(spacing)) {
    throw new Error(`The ${spacing} grid is not a timestep spacing; build it with makeGrid (src/sampler/grid.ts).`);
  }
  const T = numTrainTimesteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > T) {
    throw new Error(`steps must be a whole number from 1 to ${T} (the model's training timesteps), got ${steps}.`);
  }
  const grid = new Int32Array(steps);
  switch (spacing) {
    case 'leading': {
      const stride = Math.floor(T / steps);
      for (let i = 0; i < steps; i++) grid[i] = (steps - 1 - i) * stride + stepsOffset;
      break;
    }
    case 'trailing': {
      const ratio = T / steps;
      for (let i = 0; i < steps; i++) grid[i] = roundHalfEven(T - i * ratio) - 1;
      break;
    }
    case 'linspace': {
      // numpy.linspace: j·step with step = (T−1)/(N−1), the last value exactly T−1.
      const step = steps === 1 ? 0 : (T - 1) / (steps - 1);
      for (let i = 0; i < steps; i++) {
        const j = steps - 1 - i;
        grid[i] = roundHalfEven(j === steps - 1 && steps > 1 ? T - 1 : j * step);
      }
      break;
    }
    default:
      throw new Error(`Unknown timestep spacing "${String(spacing)}"; use one of ${SPACINGS.join(', ')}.`);
  }
  for (let i = 0; i < steps; i++) {
    if (grid[i] < 0 || grid[i] > T - 1 || (i > 0 && grid[i] >= grid[i - 1])) {
      throw new Error(
        `The ${spacing} grid for ${steps} steps (offset ${stepsOffset}) is not strictly decreasing inside 0..${T - 1}: ` +
          `[${Array.from(grid).join(', ')}]. Use fewer steps or steps_offset 0.`,
      );
    }
  }
  return grid;
}

/** numpy.round: halves go to the even neighbour. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The timestep of a Runge–Kutta midpoint between t and its target, ⌊(t + t')/2⌋ (reference convention). */
export function midpoint(t: number, tNext: number): number {
  return Math.floor((t + tNext) / 2);
}
