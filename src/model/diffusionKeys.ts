/**
 * The diffusion facts a model can carry, under their diffusers names (scheduler_config.json keys,
 * and `diffusion.<key>` in ONNX metadata_props), with the checks each value must pass.
 * Values may come as JSON values or as metadata strings; an invalid value is an Error whose message
 * names where it was found and what was expected.
 */
import { BETA_SCHEDULES, PREDICTION_TYPES, type BetaScheduleName, type PredictionType } from '../sampler/schedule';
import { VARIANCE_TYPES, type VarianceType } from '../sampler/options';
import { SPACINGS, type Spacing } from '../sampler/timesteps';

/** diffusers' timestep_spacing values: the sampler's grids. */
export const TIMESTEP_SPACINGS = SPACINGS;
export type TimestepSpacing = Spacing;

/** Diffusion facts that explicit options, metadata or a scheduler_config.json may give. */
export interface DiffusionOverrides {
  readonly numTrainTimesteps?: number;
  readonly betaSchedule?: BetaScheduleName;
  readonly betaStart?: number;
  readonly betaEnd?: number;
  readonly trainedBetas?: readonly number[];
  readonly predictionType?: PredictionType;
  readonly setAlphaToOne?: boolean;
  readonly stepsOffset?: number;
  readonly timestepSpacing?: TimestepSpacing;
  /** DDPM's step variance. */
  readonly varianceType?: VarianceType;
  /** DDIM and DDPM clip x̂₀ to ±clipSampleRange (default 1) when true. */
  readonly clipSample?: boolean;
  readonly clipSampleRange?: number;
  /** Read only to say that they are not supported (dynamic thresholding; zero-terminal-SNR betas). */
  readonly thresholding?: boolean;
  readonly rescaleBetasZeroSnr?: boolean;
}
export type DiffusionField = keyof DiffusionOverrides;
type Mutable = { -readonly [K in DiffusionField]?: DiffusionOverrides[K] };

/** Describes where a key was read, for messages: (key) => `"beta_start" in /x/scheduler_config.json`. */
export type KeyDescriber = (key: string) => string;

const BETA_ALIASES: Record<string, BetaScheduleName> = { cosine: 'squaredcos_cap_v2' };
/** diffusers' *_log variants: fixed_small_log draws the same σ as fixed_small; fixed_large_log means β (diffusers' own step takes √log β there). */
const VARIANCE_ALIASES: Record<string, VarianceType> = { fixed_small_log: 'fixed_small', fixed_large_log: 'fixed_large' };

function invalid(where: string, value: unknown, expected: string): Error {
  return new Error(`Invalid ${where}: got ${JSON.stringify(value)}, expected ${expected}.`);
}

function toNumber(value: unknown, where: string, expected: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw invalid(where, value, expected);
  return n;
}

function toInteger(value: unknown, where: string, min: number): number {
  const expected = min > 0 ? 'a positive integer' : 'a non-negative integer';
  const n = toNumber(value, where, expected);
  if (!Number.isInteger(n) || n < min) throw invalid(where, value, expected);
  return n;
}

function toBeta(value: unknown, where: string): number {
  const n = toNumber(value, where, 'a number in (0, 1)');
  if (!(n > 0 && n < 1)) throw invalid(where, value, 'a number in (0, 1)');
  return n;
}

function toBoolean(value: unknown, where: string): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes'].includes(text)) return true;
  if (['false', '0', 'no'].includes(text)) return false;
  throw invalid(where, value, 'true or false');
}

function toChoice<T extends string>(value: unknown, where: string, choices: readonly T[], aliases: Record<string, T> = {}): T {
  const text = typeof value === 'string' ? value.trim() : undefined;
  if (text !== undefined && (choices as readonly string[]).includes(text)) return text as T;
  if (text !== undefined && aliases[text]) return aliases[text];
  throw invalid(where, value, `one of ${choices.join(', ')}`);
}

function toPositive(value: unknown, where: string): number {
  const n = toNumber(value, where, 'a positive number');
  if (!(n > 0)) throw invalid(where, value, 'a positive number');
  return n;
}

function toBetaList(value: unknown, where: string): number[] {
  let list = value;
  if (typeof value === 'string') {
    const text = value.trim();
    list = text.startsWith('[') ? safeJson(text) : text.split(/[\s,]+/).filter(Boolean);
  }
  if (!Array.isArray(list) || list.length === 0) throw invalid(where, value, 'a non-empty list of numbers in (0, 1)');
  return list.map((b, i) => toBeta(b, `${where}[${i}]`));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Read the diffusion facts from an object keyed by diffusers names (e.g. a parsed scheduler_config.json,
 * or metadata_props with the `diffusion.` prefix removed). Unknown keys are ignored; null means absent.
 * Legacy keys: `timesteps` (num_train_timesteps), `predict_epsilon` (prediction_type), beta_schedule "cosine".
 */
export function readDiffusionKeys(raw: Record<string, unknown>, describe: KeyDescriber): DiffusionOverrides {
  const get = (key: string) => (raw[key] === null || raw[key] === undefined ? undefined : raw[key]);
  const out: Mutable = {};
  const T = get('num_train_timesteps') !== undefined ? 'num_train_timesteps' : 'timesteps';
  if (get(T) !== undefined) out.numTrainTimesteps = toInteger(get(T), describe(T), 1);
  if (get('beta_schedule') !== undefined) {
    out.betaSchedule = toChoice(get('beta_schedule'), describe('beta_schedule'), BETA_SCHEDULES, BETA_ALIASES);
  }
  if (get('beta_start') !== undefined) out.betaStart = toBeta(get('beta_start'), describe('beta_start'));
  if (get('beta_end') !== undefined) out.betaEnd = toBeta(get('beta_end'), describe('beta_end'));
  if (get('trained_betas') !== undefined) out.trainedBetas = toBetaList(get('trained_betas'), describe('trained_betas'));
  if (get('prediction_type') !== undefined) {
    out.predictionType = toChoice(get('prediction_type'), describe('prediction_type'), PREDICTION_TYPES);
  } else if (get('predict_epsilon') !== undefined) {
    out.predictionType = toBoolean(get('predict_epsilon'), describe('predict_epsilon')) ? 'epsilon' : 'sample';
  }
  if (get('set_alpha_to_one') !== undefined) out.setAlphaToOne = toBoolean(get('set_alpha_to_one'), describe('set_alpha_to_one'));
  if (get('steps_offset') !== undefined) out.stepsOffset = toInteger(get('steps_offset'), describe('steps_offset'), 0);
  if (get('timestep_spacing') !== undefined) {
    out.timestepSpacing = toChoice(get('timestep_spacing'), describe('timestep_spacing'), TIMESTEP_SPACINGS);
  }
  if (get('variance_type') !== undefined) {
    out.varianceType = toChoice(get('variance_type'), describe('variance_type'), VARIANCE_TYPES, VARIANCE_ALIASES);
  }
  if (get('clip_sample') !== undefined) out.clipSample = toBoolean(get('clip_sample'), describe('clip_sample'));
  if (get('clip_sample_range') !== undefined) out.clipSampleRange = toPositive(get('clip_sample_range'), describe('clip_sample_range'));
  if (get('thresholding') !== undefined) out.thresholding = toBoolean(get('thresholding'), describe('thresholding'));
  if (get('rescale_betas_zero_snr') !== undefined) {
    out.rescaleBetasZeroSnr = toBoolean(get('rescale_betas_zero_snr'), describe('rescale_betas_zero_snr'));
  }
  return out;
}

const OPTION_KEYS: Record<DiffusionField, string> = {
  numTrainTimesteps: 'num_train_timesteps',
  betaSchedule: 'beta_schedule',
  betaStart: 'beta_start',
  betaEnd: 'beta_end',
  trainedBetas: 'trained_betas',
  predictionType: 'prediction_type',
  setAlphaToOne: 'set_alpha_to_one',
  stepsOffset: 'steps_offset',
  timestepSpacing: 'timestep_spacing',
  varianceType: 'variance_type',
  clipSample: 'clip_sample',
  clipSampleRange: 'clip_sample_range',
  thresholding: 'thresholding',
  rescaleBetasZeroSnr: 'rescale_betas_zero_snr',
};

/** Validate explicit options with the same rules (messages name the option, e.g. `option betaStart`). */
export function checkOverrides(options: DiffusionOverrides): DiffusionOverrides {
  const raw: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  for (const [field, key] of Object.entries(OPTION_KEYS)) {
    raw[key] = options[field as DiffusionField];
    names[key] = field;
  }
  return readDiffusionKeys(raw, (key) => `option ${names[key] ?? key}`);
}
