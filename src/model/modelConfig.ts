/**
 * Resolves a model's diffusion facts (noise schedule, prediction type, diffusers scheduler settings).
 * Precedence, field by field: explicit options > the ONNX file's `diffusion.*` metadata_props >
 * a diffusers scheduler_config.json (beside the model, in `scheduler/` beside it, or in `../scheduler/`
 * for the diffusers layout with the model in `unet/`) > defaults (DDPM: T = 1000, linear β 1e-4..0.02,
 * epsilon), which come with a warning.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { VarianceType } from '../sampler/options';
import { DEFAULT_SCHEDULE, makeBetas, type PredictionType, type ScheduleConfig } from '../sampler/schedule';
import { checkOverrides, readDiffusionKeys, type DiffusionField, type DiffusionOverrides, type TimestepSpacing } from './diffusionKeys';

export type ConfigSource = 'options' | 'metadata' | 'scheduler_config' | 'default';

export interface DiffusionConfig {
  readonly schedule: ScheduleConfig;
  readonly predictionType: PredictionType;
  readonly setAlphaToOne?: boolean;
  readonly stepsOffset?: number;
  readonly timestepSpacing?: TimestepSpacing;
  /** DDPM's step variance (diffusers' variance_type; undefined: fixed_small, diffusers' default). */
  readonly varianceType?: VarianceType;
  /** Clip x̂₀ in DDIM and DDPM to ±this (clip_sample with clip_sample_range, default 1); undefined: no clip. */
  readonly clipSample?: number;
  /** Where the noise schedule came from (the highest-precedence source among the fields it used). */
  readonly source: ConfigSource;
  /** Where each fact that was used came from. */
  readonly sources: Partial<Record<DiffusionField, ConfigSource>>;
  /** The scheduler_config.json that was read, if any. */
  readonly schedulerConfigPath?: string;
  readonly warnings: string[];
}

export interface ResolveConfigInput {
  /** The model file; its folder is searched for a scheduler_config.json. */
  readonly modelPath?: string;
  /** The model's metadata_props (all keys; only `diffusion.*` ones are read). */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly options?: DiffusionOverrides;
  /** A scheduler_config.json to use instead of searching; null: do not read one. */
  readonly schedulerConfigPath?: string | null;
}

const RANK: ConfigSource[] = ['options', 'metadata', 'scheduler_config', 'default'];

/** The scheduler_config.json that belongs to a model file, or undefined. */
export function findSchedulerConfig(modelPath: string): string | undefined {
  const dir = dirname(resolve(modelPath));
  const candidates = [
    join(dir, 'scheduler_config.json'),
    join(dir, 'scheduler', 'scheduler_config.json'),
    join(dir, '..', 'scheduler', 'scheduler_config.json'),
  ];
  return candidates.find((p) => existsSync(p));
}

/** Read a diffusers scheduler_config.json; errors name the file and the key. */
export function readSchedulerConfig(path: string): DiffusionOverrides {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read the scheduler config ${path}: ${(error as Error).message}. Fix or remove the file.`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`The scheduler config ${path} must hold a JSON object like diffusers' scheduler_config.json.`);
  }
  return readDiffusionKeys(raw as Record<string, unknown>, (key) => `"${key}" in ${path}`);
}

/** Read the `diffusion.*` metadata_props of a model. */
export function readDiffusionMetadata(metadata: Readonly<Record<string, string>>, modelPath = 'the model'): DiffusionOverrides {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (key.startsWith('diffusion.')) raw[key.slice('diffusion.'.length)] = value;
  }
  return readDiffusionKeys(raw, (key) => `metadata key "diffusion.${key}" of ${modelPath}`);
}

export function resolveDiffusionConfig(input: ResolveConfigInput): DiffusionConfig {
  const warnings: string[] = [];
  const modelName = input.modelPath ?? 'the model';
  const layers: [ConfigSource, DiffusionOverrides][] = [['options', checkOverrides(input.options ?? {})]];
  layers.push(['metadata', readDiffusionMetadata(input.metadata ?? {}, modelName)]);
  const convention = input.metadata?.['diffusion.timestep_convention'];
  if (convention !== undefined && convention !== 'zero_based') {
    warnings.push(`${modelName} declares diffusion.timestep_convention = "${convention}"; timesteps are fed zero-based (0..T−1).`);
  }
  const configPath =
    input.schedulerConfigPath === null
      ? undefined
      : (input.schedulerConfigPath ?? (input.modelPath && findSchedulerConfig(input.modelPath)));
  if (configPath) layers.push(['scheduler_config', readSchedulerConfig(configPath)]);

  const sources: Partial<Record<DiffusionField, ConfigSource>> = {};
  const pick = <K extends DiffusionField>(field: K): DiffusionOverrides[K] | undefined => {
    for (const [source, layer] of layers) {
      if (layer[field] !== undefined) {
        sources[field] = source;
        return layer[field];
      }
    }
    return undefined;
  };
  const rankOf = (field: DiffusionField) => RANK.indexOf(layers.find(([, l]) => l[field] !== undefined)?.[0] ?? 'default');

  // trained_betas apply unless a higher-precedence source names the schedule some other way.
  const namedRank = Math.min(rankOf('betaSchedule'), rankOf('betaStart'), rankOf('betaEnd'));
  const trainedBetas = rankOf('trainedBetas') <= namedRank ? pick('trainedBetas') : undefined;
  const defaulted: string[] = [];
  const orDefault = <K extends 'numTrainTimesteps' | 'betaSchedule' | 'betaStart' | 'betaEnd'>(field: K, key: string) => {
    const value = pick(field);
    if (value !== undefined) return value as ScheduleConfig[K];
    sources[field] = 'default';
    defaulted.push(`${key} = ${DEFAULT_SCHEDULE[field]}`);
    return DEFAULT_SCHEDULE[field];
  };

  let numTrainTimesteps: number;
  if (trainedBetas && rankOf('numTrainTimesteps') > rankOf('trainedBetas')) {
    numTrainTimesteps = trainedBetas.length; // the betas define T unless T is given with at least their precedence
    sources.numTrainTimesteps = sources.trainedBetas;
  } else {
    numTrainTimesteps = orDefault('numTrainTimesteps', 'num_train_timesteps');
  }
  let schedule: ScheduleConfig;
  if (trainedBetas) {
    schedule = { ...DEFAULT_SCHEDULE, numTrainTimesteps, trainedBetas };
  } else {
    const betaSchedule = orDefault('betaSchedule', 'beta_schedule');
    const usesRange = betaSchedule !== 'squaredcos_cap_v2';
    schedule = {
      numTrainTimesteps,
      betaSchedule,
      betaStart: usesRange ? orDefault('betaStart', 'beta_start') : (pick('betaStart') ?? DEFAULT_SCHEDULE.betaStart),
      betaEnd: usesRange ? orDefault('betaEnd', 'beta_end') : (pick('betaEnd') ?? DEFAULT_SCHEDULE.betaEnd),
    };
  }
  let predictionType = pick('predictionType');
  if (predictionType === undefined) {
    predictionType = 'epsilon';
    sources.predictionType = 'default';
    defaulted.push('prediction_type = epsilon');
  }

  const used = (Object.keys(sources) as DiffusionField[]).filter((f) => f !== 'predictionType');
  const source = RANK[Math.min(...used.map((f) => RANK.indexOf(sources[f]!)))];
  const described = `${describeSources(sources)}${configPath ? ` (scheduler config: ${configPath})` : ''}`;
  try {
    makeBetas(schedule);
  } catch (error) {
    throw new Error(`The noise schedule for ${modelName} is invalid (${described}): ${(error as Error).message}`);
  }
  if (defaulted.length) {
    const elsewhere = configPath ?? 'a scheduler_config.json beside it (none found there, in scheduler/ or ../scheduler/)';
    warnings.push(
      `Assumed ${defaulted.join(', ')}: neither options, nor diffusion.* metadata in ${modelName}, nor ${elsewhere} ` +
        `give ${defaulted.length > 1 ? 'these' : 'it'}. If the model was trained with another schedule or prediction type, ` +
        'samples will be wrong: give them explicitly or put its scheduler_config.json beside the model.',
    );
  }
  const clipSample = pick('clipSample') ? (pick('clipSampleRange') ?? 1) : undefined;
  warnings.push(...unsupportedKeys(pick('thresholding'), pick('rescaleBetasZeroSnr'), clipSample, sources));
  return {
    schedule,
    predictionType,
    setAlphaToOne: pick('setAlphaToOne'),
    stepsOffset: pick('stepsOffset'),
    timestepSpacing: pick('timestepSpacing'),
    varianceType: pick('varianceType'),
    clipSample,
    source,
    sources,
    schedulerConfigPath: configPath || undefined,
    warnings,
  };
}

/** One warning for each scheduler key that changes diffusers' samples and that we do not implement. */
function unsupportedKeys(
  thresholding: boolean | undefined,
  zeroSnr: boolean | undefined,
  clipSample: number | undefined,
  sources: Partial<Record<DiffusionField, ConfigSource>>,
): string[] {
  const warnings: string[] = [];
  if (thresholding) {
    warnings.push(
      `thresholding = true (from ${sources.thresholding}) is not supported: x̂₀ is not dynamically thresholded ` +
        `(dynamic_thresholding_ratio and sample_max_value are unused)${clipSample === undefined ? '' : ` but clipped to ±${clipSample} (clip_sample) in DDIM and DDPM`}, ` +
        "so samples differ from diffusers'.",
    );
  }
  if (zeroSnr) {
    warnings.push(
      `rescale_betas_zero_snr = true (from ${sources.rescaleBetasZeroSnr}) is not supported: the betas are used unrescaled ` +
        "(the last timestep keeps some signal), so samples differ from diffusers'.",
    );
  }
  return warnings;
}

function describeSources(sources: Partial<Record<DiffusionField, ConfigSource>>): string {
  return Object.entries(sources)
    .map(([field, source]) => `${field} from ${source}`)
    .join(', ');
}
