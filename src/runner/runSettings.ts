/**
 * The one place where a run's request becomes the sampler's SamplingSettings, for the `pndm` command
 * and the panel's worker alike: what the user asked for, else what the model's scheduler config says,
 * else the sampler's default. A new setting added here reaches both sides at once. Pure (no I/O).
 */
import type { ModelInfo } from '../model/modelInfo';
import { DEFAULT_SETTINGS, SPACINGS, type SamplerName, type SamplingSettings, type Spacing } from '../sampler';
import { methodOptionsOf, type AskedOptions, type ModelOptionFacts } from './methodOptions';

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
  /** DDPM's variance; `auto` or undefined: the model's variance_type. */
  readonly variance?: AskedOptions['variance'];
  /** UniPC's or iPNDM's order, and UniPC's B(h). */
  readonly solverOrder?: number;
  readonly solverType?: AskedOptions['solverType'];
  /** ε scaling (undefined: none). */
  readonly epsScale?: number;
}

/** The facts of a model that change how it is sampled. */
export type ModelFacts = Pick<ModelInfo, 'schedule' | 'timestepSpacing' | 'setAlphaToOne' | 'stepsOffset'> & ModelOptionFacts;

export function samplingSettingsFor(model: ModelFacts, request: SettingsRequest): SamplingSettings {
  return {
    ...DEFAULT_SETTINGS,
    sampler: request.sampler,
    steps: request.steps ?? defaultSteps(request.sampler, model),
    spacing: spacingOf(request.spacing, model),
    finalAlphaBar: model.setAlphaToOne === false ? 'first' : 'one',
    stepsOffset: model.stepsOffset ?? DEFAULT_SETTINGS.stepsOffset,
    options: methodOptionsOf(
      {
        eta: request.eta,
        tolerance: request.tolerance,
        variance: request.variance,
        solverOrder: request.solverOrder,
        solverType: request.solverType,
        epsScale: request.epsScale,
      },
      model,
    ),
  };
}

/** Ancestral DDPM is the original sampler only on the full training grid. */
export function defaultSteps(sampler: SamplerName, model: ModelFacts): number {
  return sampler === 'ddpm' ? model.schedule.numTrainTimesteps : DEFAULT_SETTINGS.steps;
}

export function spacingOf(choice: SpacingChoice | undefined, model: ModelFacts): Spacing {
  return choice === undefined || choice === 'auto' ? (model.timestepSpacing ?? DEFAULT_SETTINGS.spacing) : choice;
}
