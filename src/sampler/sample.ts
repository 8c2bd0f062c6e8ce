import { alphaBarOf, type FinalAlphaBar } from './alphas';
import { makeContext } from './context';
import { scaledEpsModel } from './epsScale';
import { makeGrid, type SamplingGrid } from './grid';
import { METHODS, solverOrderFor, type SamplerName } from './methods';
import { DEFAULT_OPTIONS, type MethodOptions } from './options';
import type { NoiseSchedule } from './schedule';
import { resolveSolverType } from './solverTypes';
import { nextTimesteps, type Spacing } from './timesteps';
import type { EpsModel, ModelCallCallback, NoiseSource, StepCallback } from './types';

/** How to sample: everything that changes the result except the model and x_T. */
export interface SamplingSettings {
  readonly sampler: SamplerName;
  readonly steps: number;
  readonly spacing: Spacing;
  /** ᾱ at the clean end: 1 (set_alpha_to_one) or ᾱ[0]. */
  readonly finalAlphaBar: FinalAlphaBar;
  /** diffusers' steps_offset, added to the leading grid. */
  readonly stepsOffset: number;
  /** What only some methods read (η, tolerance, variance, clip, solver order and type). */
  readonly options: MethodOptions;
  /** The timesteps of `spacing: 'tuned'`, found by the caller for this model, sampler and steps (`pndm tune`). */
  readonly tunedGrid?: readonly number[];
}

export const DEFAULT_SETTINGS: SamplingSettings = {
  sampler: 'f-pndm',
  steps: 50,
  spacing: 'leading',
  finalAlphaBar: 'one',
  stepsOffset: 0,
  options: DEFAULT_OPTIONS,
};

export interface RunHooks {
  /** Draws for stochastic samplers (DDIM η > 0, DDPM), image by image. */
  readonly noise?: NoiseSource;
  readonly signal?: AbortSignal;
  readonly onStep?: StepCallback;
  /** After every counted model call (e.g. a preview of x̂₀ long before a multi-call first step ends). */
  readonly onModelCall?: ModelCallCallback;
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
  if (method.stochastic(settings.options) && !hooks.noise) {
    throw new Error(`${method.label} with these settings is stochastic: give it a noise source (a seed).`);
  }
  const options: MethodOptions = {
    ...settings.options,
    solverOrder: solverOrderFor(settings.sampler, settings.steps, settings.options.solverOrder),
    solverType: resolveSolverType(settings.options.solverType ?? DEFAULT_OPTIONS.solverType),
  };
  const { t: grid, alphaBar: points } = samplingGridFor(schedule, settings);
  const ctx = makeContext({
    model: options.epsScale === undefined || options.epsScale === 1 ? model : scaledEpsModel(model, options.epsScale),
    alphaBar: alphaBarOf(schedule, settings.finalAlphaBar),
    lastTimestep: schedule.config.numTrainTimesteps - 1,
    grid,
    next: nextTimesteps(grid),
    points,
    count,
    noise: hooks.noise,
    signal: hooks.signal,
    onStep: hooks.onStep,
    onModelCall: hooks.onModelCall,
  });
  const x = await method.run(ctx, xT, options);
  return { x, nfe: ctx.nfe(), grid };
}
