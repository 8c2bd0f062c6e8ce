/**
 * The one place where a run's request becomes the sampler's SamplingSettings, for the `pndm` command
 * and the panel's worker alike: what the user asked for, else what the model's scheduler config says,
 * else the sampler's default. A new setting added here reaches both sides at once. Pure (no I/O).
 */
import type { ModelInfo } from '../model/modelInfo';
import { DEFAULT_SETTINGS, SPACINGS, type SamplerName, type SamplingSettings, type Spacing } from '../sampler';

/** `auto`: the model's timestep_spacing (diffusers' scheduler config or ONNX metadata), else leading. */
export const SPACING_CHOICES = ['auto', ...SPACINGS] as const;
export type SpacingChoice = (typeof SPACING_CHOICES)[number];

/** What a run asks for; a missing value takes the model's, then the default. */
export interface SettingsRequest {
  readonly sampler: SamplerName;
  /** Default: 50, or every training timestep for ddpm. */
  readonly steps?: number;
  readonly spacing?: SpacingChoice;
  readonly eta?: number;
  readonly tolerance?: number;
}

/** The facts of a model that change how it is sampled. */
export type ModelFacts = Pick<ModelInfo, 'schedule' | 'timestepSpacing' | 'setAlphaToOne' | 'stepsOffset'>;

export function samplingSettingsFor(model: ModelFacts, request: SettingsRequest): SamplingSettings {
  return {
    ...DEFAULT_SETTINGS,
    sampler: request.sampler,
    steps: request.steps ?? defaultSteps(request.sampler, model),
    spacing: spacingOf(request.spacing, model),
    eta: request.eta ?? DEFAULT_SETTINGS.eta,
    tolerance: request.tolerance ?? DEFAULT_SETTINGS.tolerance,
    finalAlphaBar: model.setAlphaToOne === false ? 'first' : 'one',
    stepsOffset: model.stepsOffset ?? DEFAULT_SETTINGS.stepsOffset,
  };
}

/** Ancestral DDPM is the original sampler only on the full training grid. */
export function defaultSteps(sampler: SamplerName, model: ModelFacts): number {
  return sampler === 'ddpm' ? model.schedule.numTrainTimesteps : DEFAULT_SETTINGS.steps;
}

export function spacingOf(choice: SpacingChoice | undefined, model: ModelFacts): Spacing {
  return choice === undefined || choice === 'auto' ? (model.timestepSpacing ?? DEFAULT_SETTINGS.spacing) : choice;
}
