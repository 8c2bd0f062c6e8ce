import { METHODS, type ImageShape, type SamplerName } from '../sampler';

/** Largest sampling state a run may hold, in bytes (x, x_T, stages, history and a preview copy). */
export const MEMORY_BUDGET_BYTES = 2 * 1024 ** 3;

/** Float32 tensors of the whole batch alive at once: the method's history plus working copies. */
export function estimateRunBytes(sampler: SamplerName, samples: number, shape: ImageShape): number {
  const working = 6; // x_T, x, a stage input, the model output, x̂₀, a frame copy
  return samples * shape.channels * shape.height * shape.width * 4 * (METHODS[sampler].history + working);
}

/** Refuses a run whose state would not fit the budget, with the numbers and what to change. */
export function checkRunBudget(sampler: SamplerName, samples: number, shape: ImageShape, budget = MEMORY_BUDGET_BYTES): void {
  const bytes = estimateRunBytes(sampler, samples, shape);
  if (bytes > budget) {
    const perSample = bytes / samples;
    throw new Error(
      `${samples} samples of ${shape.channels}×${shape.height}×${shape.width} with ${METHODS[sampler].label} would hold ` +
        `${formatBytes(bytes)} of sampler state, over the ${formatBytes(budget)} budget; use at most ${Math.floor(budget / perSample)} samples.`,
    );
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
