/**
 * Everything the webview sends is untrusted input. `validateMessage` checks a raw message against the
 * protocol — an object, a known `type`, and for Generate every setting with its type, range,
 * integer-ness and enum, all as the message's own fields (nothing read from a prototype) — and returns
 * a fresh message holding only the known fields (extra fields are ignored), or an error saying what
 * was wrong. Pure: no vscode import (unit-tested in plain Node).
 */
import { MessageType, type FromWebview, type RunSettings } from '../protocol';
import { describeRule, RULES, satisfies, showValue, type Rule } from './settingsSchema';

export type Validation = { readonly ok: true; readonly message: FromWebview } | { readonly ok: false; readonly error: string };

/** Each RunSettings field and the rule it must satisfy. */
const RUN_SETTING_RULES: { readonly [K in keyof RunSettings]: Rule } = {
  sampler: RULES.sampler,
  steps: RULES.steps,
  samples: RULES.samples,
  seed: RULES.seed,
  spacing: RULES.spacing,
  eta: RULES.eta,
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
  return { ok: true, settings: out as unknown as RunSettings };
}

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
    case MessageType.Ready:
    case MessageType.Cancel:
    case MessageType.Save:
    case MessageType.CopySettings:
    case MessageType.BrowseModel:
    case MessageType.UseBundledModel:
    case MessageType.RecentModels:
      return { ok: true, message: { type: kind } };
    default: {
      const unreachable: never = kind;
      return fail(`Unhandled message type ${String(unreachable)}.`);
    }
  }
}
