/**
 * Checks a run request against the model it would run on, before anything starts: more steps than
 * the model's training timesteps, fewer steps than the solver's order, or a batch whose sampler state
 * would not fit the memory budget (samples × C × H × W × (history + working copies) × 4 bytes,
 * src/runner/budget.ts). The panel calls it
 * before a run is created (so nothing starts), and the worker again before its first model call (for
 * a run asked for while the model was still loading). Pure: no vscode import.
 */
import type { RunSettings } from '../protocol';
import { checkRunBudget, MEMORY_BUDGET_BYTES } from '../runner/budget';
import { METHODS, solverOrderFor, type ImageShape } from '../sampler';

/** What a run must fit: the model's image and its number of training timesteps T. */
export interface ModelLimits {
  readonly imageShape: ImageShape;
  readonly numTrainTimesteps: number;
}

/**
 * The order a run asks its sampler for: undefined for the sampler's default (the panel's 0) and for a
 * sampler without orders, so that its recipe does not record an order it never used.
 */
export function askedSolverOrder(settings: Pick<RunSettings, 'sampler'> & Partial<Pick<RunSettings, 'solverOrder'>>): number | undefined {
  return METHODS[settings.sampler].solverOrders && settings.solverOrder ? settings.solverOrder : undefined;
}

/** Why this run cannot start (one sentence with the numbers and what to change), or undefined when it can. */
export function preflightRun(
  settings: Pick<RunSettings, 'sampler' | 'steps' | 'samples'> & Partial<Pick<RunSettings, 'solverOrder'>>,
  model: ModelLimits,
  budget = MEMORY_BUDGET_BYTES,
): string | undefined {
  const T = model.numTrainTimesteps;
  if (settings.steps > T) {
    return `Generate refused: ${settings.steps} steps is more than the model's ${T} training timesteps; use at most ${T} steps.`;
  }
  try {
    // UniPC of order 3 in 2 steps: refused now rather than by the sampler once the run has started
    solverOrderFor(settings.sampler, settings.steps, askedSolverOrder(settings));
  } catch (error) {
    return `Generate refused: ${(error as Error).message}`;
  }
  try {
    checkRunBudget(settings.sampler, settings.samples, model.imageShape, budget);
  } catch (error) {
    return `Generate refused: ${(error as Error).message}`;
  }
  return undefined;
}
