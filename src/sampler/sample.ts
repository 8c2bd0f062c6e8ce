import { alphaBarOf, type FinalAlphaBar } from './alphas';
import { makeContext } from './context';
import { makeGrid, type SamplingGrid } from './grid';
import { METHODS, solverOrderFor, type SamplerName } from './methods';
import type { NoiseSchedule } from './schedule';
import { resolveSolverType, type SolverType } from './solverTypes';
import { nextTimesteps, type Spacing } from './timesteps';
import type { EpsModel, NoiseSource, StepCallback } from './types';

/** How to sample: everything that changes the result except the model and x_T. */
export interface SamplingSettings {
  readonly sampler: SamplerName;
  readonly steps: number;
  readonly spacing: Spacing;
  /** DDIM's η (0: deterministic). */
  readonly eta: number;
  /** Relative and absolute tolerance of the adaptive probability-flow solver. */
  readonly tolerance: number;
  /** ᾱ at the clean end: 1 (set_alpha_to_one) or ᾱ[0]. */
  readonly finalAlphaBar: FinalAlphaBar;
  /** diffusers' steps_offset, added to the leading grid. */
  readonly stepsOffset: number;
  /** Order of UniPC (1–3, default 2) or iPNDM's highest order (1–4, default 4). */
  readonly solverOrder?: number;
  /** UniPC's B(h): bh1 or bh2 (default). */
  readonly solverType?: SolverType;
  /** The timesteps of `spacing: 'tuned'`, found by the caller for this model, sampler and steps (`pndm tune`). */
  readonly tunedGrid?: readonly number[];
}

export const DEFAULT_SETTINGS: SamplingSettings = {
  sampler: 'f-pndm',
  steps: 50,
  spacing: 'leading',
  eta: 0,
  tolerance: 1e-3,
  finalAlphaBar: 'one',
  stepsOffset: 0,
};

export interface RunHooks {
  /** Draws for stochastic samplers (DDIM η > 0, DDPM), image by image. */
  readonly noise?: NoiseSource;
  readonly signal?: AbortSignal;
  readonly onStep?: StepCallback;
}

export interface SampleResult {
  readonly x: Float32Array;
  readonly nfe: number;
  /** The model-call timesteps of the N steps. */
  readonly grid: Int32Array;
}

type GridSettings = Pick<SamplingSettings, 'sampler' | 'steps' | 'spacing' | 'stepsOffset' | 'finalAlphaBar' | 'tunedGrid'>;

/** The grid a run of these settings uses on this schedule: model-call timesteps and ᾱ per point. */
export function samplingGridFor(schedule: NoiseSchedule, settings: GridSettings): SamplingGrid {
  return makeGrid(schedule, settings.steps, settings.spacing, {
    stepsOffset: settings.stepsOffset,
    finalAlphaBar: alphaBarOf(schedule, settings.finalAlphaBar)(-1),
    style: METHODS[settings.sampler]?.gridStyle,
    tuned: settings.tunedGrid,
  });
}

/** The model-call timesteps a run of these settings uses on this schedule. */
export function gridFor(schedule: NoiseSchedule, settings: GridSettings): Int32Array {
  return samplingGridFor(schedule, settings).t;
}

/** Run one method from x_T ([count, C, H, W]) to the clean end. x_T is not modified. */
export async function sample(
  model: EpsModel,
  schedule: NoiseSchedule,
  xT: Float32Array,
  count: number,
  settings: SamplingSettings,
  hooks: RunHooks = {},
): Promise<SampleResult> {
  const method = METHODS[settings.sampler];
  if (!method) throw new Error(`Unknown sampler "${String(settings.sampler)}".`);
  if (!Number.isInteger(count) || count < 1 || xT.length % count !== 0) {
    throw new Error(`x_T has ${xT.length} values, which is not ${count} whole images.`);
  }
  if (method.stochastic(settings.eta) && !hooks.noise) {
    throw new Error(`${method.label} with these settings is stochastic: give it a noise source (a seed).`);
  }
  const solverOrder = solverOrderFor(settings.sampler, settings.steps, settings.solverOrder);
  const { t: grid, alphaBar: points } = samplingGridFor(schedule, settings);
  const ctx = makeContext({
    model,
    alphaBar: alphaBarOf(schedule, settings.finalAlphaBar),
    grid,
    next: nextTimesteps(grid),
    points,
    solverOrder,
    solverType: settings.solverType === undefined ? undefined : resolveSolverType(settings.solverType),
    count,
    noise: hooks.noise,
    eta: settings.eta,
    tolerance: settings.tolerance,
    signal: hooks.signal,
    onStep: hooks.onStep,
  });
  const x = await method.run(ctx, xT);
  return { x, nfe: ctx.nfe(), grid };
}
