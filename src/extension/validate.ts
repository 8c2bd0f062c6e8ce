/**
 * Everything the webview sends is untrusted input. `validateMessage` checks a raw message against the
 * protocol — an object, a known `type`, and for Generate every setting with its type, range,
 * integer-ness and enum, all as the message's own fields (nothing read from a prototype) — and returns
 * a fresh message holding only the known fields (extra fields are ignored), or an error saying what
 * was wrong. Pure: no vscode import (unit-tested in plain Node).
 */
import {
  COMPARE_LIMITS,
  LIMITS,
  MessageType,
  REFERENCE_SOLVES,
  type CompareRequest,
  type FromCompareView,
  type FromWebview,
  type ReferenceName,
  type RunSettings,
} from '../protocol';
import { SAMPLER_NAMES, type SamplerName } from '../sampler';
import { describeRule, RULES, satisfies, showValue, solverOrderProblem, type Rule } from './settingsSchema';

export type Validation = { readonly ok: true; readonly message: FromWebview } | { readonly ok: false; readonly error: string };

/** Each RunSettings field and the rule it must satisfy. */
const RUN_SETTING_RULES: { readonly [K in keyof RunSettings]: Rule } = {
  sampler: RULES.sampler,
  steps: RULES.steps,
  samples: RULES.samples,
  seed: RULES.seed,
  spacing: RULES.spacing,
  eta: RULES.eta,
  variance: RULES.variance,
  solverOrder: RULES.solverOrder,
  solverType: RULES.solverType,
  epsScale: RULES.epsScale,
  tolerance: RULES.tolerance,
  provider: RULES.executionProvider,
  preview: RULES.preview,
};

const FROM_WEBVIEW: readonly string[] = [
  MessageType.Ready,
  MessageType.Generate,
  MessageType.Cancel,
  MessageType.Save,
  MessageType.CopySettings,
  MessageType.BrowseModel,
  MessageType.UseBundledModel,
  MessageType.RecentModels,
  MessageType.OpenCompare,
  MessageType.ResampleImage,
  MessageType.ExportAnimation,
  MessageType.OpenHistory,
  MessageType.SaveHistory,
  MessageType.OpenPng,
];

const fail = (error: string): Validation => ({ ok: false, error });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field of the message itself (never one inherited from a prototype). */
const own = (record: Record<string, unknown>, key: string): unknown => (Object.hasOwn(record, key) ? record[key] : undefined);

/** Validate run settings; every field is required and must be the object's own. */
export function validateRunSettings(raw: unknown): { ok: true; settings: RunSettings } | { ok: false; error: string } {
  if (!isRecord(raw)) return { ok: false, error: `settings must be an object, got ${showValue(raw)}.` };
  const out: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(RUN_SETTING_RULES)) {
    if (!Object.hasOwn(raw, key)) return { ok: false, error: `settings.${key} is missing; it must be ${describeRule(rule)}.` };
    if (!satisfies(rule, raw[key])) {
      return { ok: false, error: `settings.${key} is ${showValue(raw[key])}; it must be ${describeRule(rule)}.` };
    }
    out[key] = raw[key];
  }
  const settings = out as unknown as RunSettings;
  const order = solverOrderProblem(settings.sampler, settings.solverOrder);
  if (order) return { ok: false, error: `settings.solverOrder is ${settings.solverOrder}; ${order}.` };
  return { ok: true, settings };
}

const isImageIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < LIMITS.samples.max;

export function validateMessage(raw: unknown): Validation {
  if (!isRecord(raw)) return fail(`A panel message must be an object with a "type", got ${showValue(raw)}.`);
  const type = own(raw, 'type');
  if (typeof type !== 'string' || !FROM_WEBVIEW.includes(type)) {
    return fail(`Unknown panel message type ${showValue(type)}; expected one of ${FROM_WEBVIEW.join(', ')}.`);
  }
  const kind = type as FromWebview['type'];
  switch (kind) {
    case MessageType.Generate: {
      const checked = validateRunSettings(own(raw, 'settings'));
      return checked.ok ? { ok: true, message: { type: kind, settings: checked.settings } } : fail(`Generate refused: ${checked.error}`);
    }
    case MessageType.ResampleImage: {
      const index = own(raw, 'index');
      if (!isImageIndex(index))
        return fail(`Re-sample refused: index ${showValue(index)} is not an image number from 0 to ${LIMITS.samples.max - 1}.`);
      return { ok: true, message: { type: kind, index } };
    }
    case MessageType.ExportAnimation: {
      const index = own(raw, 'index');
      if (index === undefined) return { ok: true, message: { type: kind } };
      if (!isImageIndex(index))
        return fail(`Export refused: index ${showValue(index)} is not an image number from 0 to ${LIMITS.samples.max - 1}.`);
      return { ok: true, message: { type: kind, index } };
    }
    case MessageType.OpenHistory:
    case MessageType.SaveHistory: {
      const id = own(raw, 'id');
      if (typeof id !== 'string' || !/^[0-9a-z-]{1,64}$/.test(id))
        return fail(`History request refused: id ${showValue(id)} is not a history entry.`);
      return { ok: true, message: { type: kind, id } };
    }
    case MessageType.OpenPng: {
      const name = own(raw, 'name');
      const data = own(raw, 'data');
      if (typeof name !== 'string' || name.length === 0 || name.length > 300)
        return fail(`Open PNG refused: name ${showValue(name)} is not a file name.`);
      if (typeof data !== 'string' || data.length > 90_000_000 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) {
        return fail('Open PNG refused: data must be the file as base64, at most 64 MB.');
      }
      return { ok: true, message: { type: kind, name, data } };
    }
    case MessageType.Ready: {
      // a page must always get its Init: a shown line that is not a short string is dropped, not refused
      const line = own(raw, 'shownLine');
      return { ok: true, message: typeof line === 'string' && line.length <= 2000 ? { type: kind, shownLine: line } : { type: kind } };
    }
    case MessageType.Cancel:
    case MessageType.Save:
    case MessageType.CopySettings:
    case MessageType.BrowseModel:
    case MessageType.UseBundledModel:
    case MessageType.RecentModels:
    case MessageType.OpenCompare:
      return { ok: true, message: { type: kind } };
    default: {
      const unreachable: never = kind;
      return fail(`Unhandled message type ${String(unreachable)}.`);
    }
  }
}

export type CompareValidation = { readonly ok: true; readonly message: FromCompareView } | { readonly ok: false; readonly error: string };

const FROM_COMPARE_VIEW: readonly string[] = [
  MessageType.CompareReady,
  MessageType.RunComparison,
  MessageType.CancelComparison,
  MessageType.OpenCell,
];

const isInteger = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Validate a comparison request: distinct known samplers, distinct step counts in range, samples, seed and a known reference. */
export function validateCompareRequest(raw: unknown): { ok: true; request: CompareRequest } | { ok: false; error: string } {
  if (!isRecord(raw)) return { ok: false, error: `the request must be an object, got ${showValue(raw)}.` };
  const samplers = own(raw, 'samplers');
  if (!Array.isArray(samplers) || samplers.length === 0 || samplers.length > SAMPLER_NAMES.length) {
    return { ok: false, error: `pick 1 to ${SAMPLER_NAMES.length} samplers (got ${showValue(samplers)}).` };
  }
  for (const s of samplers) {
    if (typeof s !== 'string' || !(SAMPLER_NAMES as readonly string[]).includes(s)) {
      return { ok: false, error: `${showValue(s)} is not a sampler; use ${SAMPLER_NAMES.join(', ')}.` };
    }
  }
  if (new Set(samplers).size !== samplers.length) return { ok: false, error: 'each sampler may be picked once.' };
  const steps = own(raw, 'steps');
  const { stepCounts, samples: sampleLimits, seed: seedLimits } = COMPARE_LIMITS;
  if (!Array.isArray(steps) || steps.length < stepCounts.min || steps.length > stepCounts.max) {
    return { ok: false, error: `give ${stepCounts.min} to ${stepCounts.max} step counts (got ${showValue(steps)}).` };
  }
  for (const n of steps) {
    if (!isInteger(n, LIMITS.steps.min, LIMITS.steps.max)) {
      return { ok: false, error: `step count ${showValue(n)} is not a whole number from ${LIMITS.steps.min} to ${LIMITS.steps.max}.` };
    }
  }
  if (new Set(steps).size !== steps.length) return { ok: false, error: 'each step count may be given once.' };
  const samples = own(raw, 'samples');
  if (!isInteger(samples, sampleLimits.min, sampleLimits.max)) {
    return {
      ok: false,
      error: `samples is ${showValue(samples)}; it must be a whole number from ${sampleLimits.min} to ${sampleLimits.max}.`,
    };
  }
  const seed = own(raw, 'seed');
  if (!isInteger(seed, seedLimits.min, seedLimits.max)) {
    return { ok: false, error: `seed is ${showValue(seed)}; it must be a whole number from ${seedLimits.min} to ${seedLimits.max}.` };
  }
  const spacing = own(raw, 'spacing');
  if (!satisfies(RULES.spacing, spacing)) {
    return { ok: false, error: `spacing is ${showValue(spacing)}; it must be ${describeRule(RULES.spacing)}.` };
  }
  const reference = own(raw, 'reference');
  if (typeof reference !== 'string' || !Object.hasOwn(REFERENCE_SOLVES, reference)) {
    return { ok: false, error: `reference is ${showValue(reference)}; it must be one of ${Object.keys(REFERENCE_SOLVES).join(', ')}.` };
  }
  return {
    ok: true,
    request: {
      samplers: samplers as SamplerName[],
      steps: [...(steps as number[])].sort((a, b) => a - b),
      samples,
      seed,
      spacing: spacing as CompareRequest['spacing'],
      reference: reference as ReferenceName,
    },
  };
}

export function validateCompareMessage(raw: unknown): CompareValidation {
  if (!isRecord(raw)) return { ok: false, error: `A compare-view message must be an object with a "type", got ${showValue(raw)}.` };
  const type = own(raw, 'type');
  if (typeof type !== 'string' || !FROM_COMPARE_VIEW.includes(type)) {
    return { ok: false, error: `Unknown compare-view message type ${showValue(type)}; expected one of ${FROM_COMPARE_VIEW.join(', ')}.` };
  }
  const kind = type as FromCompareView['type'];
  switch (kind) {
    case MessageType.RunComparison: {
      const checked = validateCompareRequest(own(raw, 'request'));
      return checked.ok
        ? { ok: true, message: { type: kind, request: checked.request } }
        : { ok: false, error: `Comparison refused: ${checked.error}` };
    }
    case MessageType.OpenCell: {
      const index = own(raw, 'index');
      if (!isInteger(index, 0, 10_000)) return { ok: false, error: `Open cell refused: index ${showValue(index)} is not a cell number.` };
      return { ok: true, message: { type: kind, index } };
    }
    case MessageType.CompareReady:
    case MessageType.CancelComparison:
      return { ok: true, message: { type: kind } };
    default: {
      const unreachable: never = kind;
      return { ok: false, error: `Unhandled message type ${String(unreachable)}.` };
    }
  }
}
