import { alphaBarOf, type FinalAlphaBar } from './alphas';
import { makeContext } from './context';
import { METHODS, type SamplerName } from './methods';
import { DEFAULT_OPTIONS, type MethodOptions } from './options';
import type { NoiseSchedule } from './schedule';
import { nextTimesteps, timesteps, type Spacing } from './timesteps';
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
  /** What only some methods read (η, tolerance, variance, clip). */
  readonly options: MethodOptions;
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
  readonly grid: Int32Array;
}

/** The grid a run of these settings uses on this schedule. */
export function gridFor(schedule: NoiseSchedule, settings: Pick<SamplingSettings, 'steps' | 'spacing' | 'stepsOffset'>): Int32Array {
  return timesteps(schedule.config.numTrainTimesteps, settings.steps, settings.spacing, settings.stepsOffset);
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
  const grid = gridFor(schedule, settings);
  const ctx = makeContext({
    model,
    alphaBar: alphaBarOf(schedule, settings.finalAlphaBar),
    lastTimestep: schedule.config.numTrainTimesteps - 1,
    grid,
    next: nextTimesteps(grid),
    count,
    noise: hooks.noise,
    signal: hooks.signal,
    onStep: hooks.onStep,
    onModelCall: hooks.onModelCall,
  });
  const x = await method.run(ctx, xT, settings.options);
  return { x, nfe: ctx.nfe(), grid };
}
