/**
 * The `pndm.*` settings as data: one read-only DEFAULTS object and one rule per key, used for
 * settings.json (an invalid value falls back to its default) and for every webview message (an
 * invalid value is refused). Pure: no vscode import, so it is unit-tested in plain Node, and a unit
 * test checks that package.json's `contributes.configuration` says the same.
 */
import { SPACING_CHOICES } from '../runner/runSettings';
import { METHODS, SAMPLER_NAMES, SOLVER_TYPES, type SamplerName } from '../sampler';
import { LIMITS, PREVIEWS, PROVIDERS, SOLVER_OPTION_DEFAULTS, VARIANCE_CHOICES, type RunSettings } from '../protocol';

export interface ExtensionSettings {
  /** "" = the bundled model; a relative path is taken from the first workspace folder; `~` is the home folder. */
  readonly modelPath: string;
  readonly sampler: RunSettings['sampler'];
  readonly steps: number;
  readonly samples: number;
  readonly seed: number;
  readonly spacing: RunSettings['spacing'];
  readonly eta: number;
  readonly variance: RunSettings['variance'];
  readonly solverOrder: number;
  readonly solverType: RunSettings['solverType'];
  readonly epsScale: number;
  readonly tolerance: number;
  readonly executionProvider: RunSettings['provider'];
  readonly preview: RunSettings['preview'];
  /** "" = the first workspace folder (or ask, when no folder is open); relative and `~` as for modelPath. */
  readonly outputFolder: string;
  /** Mirror a run's progress in VS Code's notification too (the panel and the status bar show it anyway). */
  readonly progressNotification: boolean;
}

export const DEFAULTS: Readonly<ExtensionSettings> = Object.freeze({
  modelPath: '',
  sampler: 'f-pndm',
  steps: 50,
  samples: 81,
  seed: 0,
  spacing: 'auto',
  eta: 0,
  variance: 'auto',
  ...SOLVER_OPTION_DEFAULTS,
  executionProvider: 'auto',
  preview: 'x0',
  outputFolder: '',
  progressNotification: false,
});

export type Rule =
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  | { readonly kind: 'number'; readonly min: number; readonly max: number }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'string' };

export const RULES: { readonly [K in keyof ExtensionSettings]: Rule } = {
  modelPath: { kind: 'string' },
  sampler: { kind: 'enum', values: SAMPLER_NAMES },
  steps: { kind: 'integer', ...LIMITS.steps },
  samples: { kind: 'integer', ...LIMITS.samples },
  seed: { kind: 'integer', ...LIMITS.seed },
  spacing: { kind: 'enum', values: SPACING_CHOICES },
  eta: { kind: 'number', ...LIMITS.eta },
  variance: { kind: 'enum', values: VARIANCE_CHOICES },
  solverOrder: { kind: 'integer', ...LIMITS.solverOrder },
  solverType: { kind: 'enum', values: SOLVER_TYPES },
  epsScale: { kind: 'number', ...LIMITS.epsScale },
  tolerance: { kind: 'number', ...LIMITS.tolerance },
  executionProvider: { kind: 'enum', values: PROVIDERS },
  preview: { kind: 'enum', values: PREVIEWS },
  outputFolder: { kind: 'string' },
  progressNotification: { kind: 'boolean' },
};

/** "an integer from 1 to 1000", "one of leading, trailing, linspace", … */
export function describeRule(rule: Rule): string {
  switch (rule.kind) {
    case 'integer':
      return `an integer from ${rule.min} to ${rule.max}`;
    case 'number':
      return `a number from ${rule.min} to ${rule.max}`;
    case 'enum':
      return `one of ${rule.values.join(', ')}`;
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
  }
}

/** True when `value` satisfies `rule` exactly (no coercion: "50" is not an integer). */
export function satisfies(rule: Rule, value: unknown): boolean {
  switch (rule.kind) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && value >= rule.min && value <= rule.max;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= rule.min && value <= rule.max;
    case 'enum':
      return typeof value === 'string' && rule.values.includes(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
  }
}

export interface SettingProblem {
  readonly key: keyof ExtensionSettings;
  readonly value: unknown;
  /** e.g. `pndm.steps is 5000, which is not an integer from 1 to 1000; using the default 50.` */
  readonly message: string;
}

/** Show a user's value in a message: JSON where possible, short. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // too deeply nested, a BigInt, a cycle…: String() may throw as well (nested arrays, a non-function toString)
    try {
      text = String(value);
    } catch {
      text = `(an unprintable ${Array.isArray(value) ? 'array' : typeof value})`;
    }
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Read every setting through `get` (undefined = not set): valid values are kept, anything else falls
 * back to the default for that key and is reported once per key in `problems`.
 */
export function normalizeSettings(get: (key: keyof ExtensionSettings) => unknown): {
  settings: ExtensionSettings;
  problems: SettingProblem[];
} {
  const settings: Record<string, unknown> = {};
  const problems: SettingProblem[] = [];
  for (const key of Object.keys(RULES) as (keyof ExtensionSettings)[]) {
    const value = get(key);
    if (value === undefined || value === null || satisfies(RULES[key], value)) {
      settings[key] = value ?? DEFAULTS[key];
      continue;
    }
    settings[key] = DEFAULTS[key];
    problems.push({
      key,
      value,
      message: `pndm.${key} is ${showValue(value)}, which is not ${describeRule(RULES[key])}; using the default ${showValue(DEFAULTS[key])}.`,
    });
  }
  const order = solverOrderProblem(settings.sampler as SamplerName, settings.solverOrder as number);
  if (order) {
    problems.push({
      key: 'solverOrder',
      value: settings.solverOrder,
      message: `pndm.solverOrder is ${settings.solverOrder}, but ${order}; using the sampler's default.`,
    });
    settings.solverOrder = DEFAULTS.solverOrder;
  }
  return { settings: settings as unknown as ExtensionSettings, problems };
}

/**
 * Why `order` does not fit `sampler` ("UniPC takes 1 to 3 (0: its default 2)"), or undefined when it
 * does: 0 always fits, and so does any order for a sampler without one (it is ignored there).
 */
export function solverOrderProblem(sampler: SamplerName, order: number): string | undefined {
  const orders = METHODS[sampler].solverOrders;
  if (order === 0 || !orders || (order >= orders.min && order <= orders.max)) return undefined;
  return `${METHODS[sampler].label} takes ${orders.min} to ${orders.max} (0: its default ${orders.default})`;
}

/**
 * Settings that name files (package.json `capabilities.untrustedWorkspaces.restrictedConfigurations`):
 * in an untrusted workspace a workspace or folder value of these is ignored and only the user's own
 * (global) value counts, so a cloned repository cannot make the extension open a model or write files.
 */
export const RESTRICTED_IN_UNTRUSTED: readonly (keyof ExtensionSettings)[] = ['modelPath', 'outputFolder'];

/** The parts of WorkspaceConfiguration.inspect() that are the user's values (the default is ours). */
export interface InspectedSetting {
  readonly globalValue?: unknown;
  readonly workspaceValue?: unknown;
  readonly workspaceFolderValue?: unknown;
}

/**
 * The value the user set for `key`, most specific first (folder, workspace, user); undefined when unset.
 * In an untrusted workspace the restricted keys take the user value only: VS Code does that for get(),
 * but inspect() still reports the workspace's values, so the extension has to.
 */
export function configuredValue(key: keyof ExtensionSettings, inspected: InspectedSetting | undefined, trusted: boolean): unknown {
  if (!inspected) return undefined;
  if (!trusted && RESTRICTED_IN_UNTRUSTED.includes(key)) return inspected.globalValue;
  return inspected.workspaceFolderValue ?? inspected.workspaceValue ?? inspected.globalValue;
}

/** The restricted keys whose workspace value is being ignored because the workspace is not trusted. */
export function ignoredUntrusted(
  inspect: (key: keyof ExtensionSettings) => InspectedSetting | undefined,
  trusted: boolean,
): (keyof ExtensionSettings)[] {
  if (trusted) return [];
  return RESTRICTED_IN_UNTRUSTED.filter((key) => {
    const inspected = inspect(key);
    return inspected?.workspaceFolderValue !== undefined || inspected?.workspaceValue !== undefined;
  });
}

/** The panel's run settings from the extension settings. */
export function runSettingsOf(s: ExtensionSettings): RunSettings {
  return {
    sampler: s.sampler,
    steps: s.steps,
    samples: s.samples,
    seed: s.seed,
    spacing: s.spacing,
    eta: s.eta,
    variance: s.variance,
    solverOrder: s.solverOrder,
    solverType: s.solverType,
    epsScale: s.epsScale,
    tolerance: s.tolerance,
    provider: s.executionProvider,
    preview: s.preview,
  };
}
