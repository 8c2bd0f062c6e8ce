/**
 * Command-line arguments of `pndm`: `--name value` / `--name=value` pairs checked against a table.
 * Every mistake is a UsageError with one line that says what was wrong and what is allowed.
 */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagKind = 'string' | 'int' | 'number' | 'boolean';

export interface FlagSpec {
  readonly kind: FlagKind;
  readonly help: string;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
}

export type ParsedFlags = Record<string, string | number | boolean>;

export function parseFlags(
  argv: readonly string[],
  specs: Readonly<Record<string, FlagSpec>>,
): { flags: ParsedFlags; positional: string[] } {
  const flags: ParsedFlags = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) {
      throw new UsageError(
        `unknown option --${name}; options: ${Object.keys(specs)
          .map((k) => `--${k}`)
          .join(' ')}`,
      );
    }
    if (spec.kind === 'boolean') {
      flags[name] = eq < 0 ? true : parseBoolean(name, arg.slice(eq + 1));
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new UsageError(`--${name} needs a value (${spec.help})`);
    flags[name] = checkValue(name, raw, spec);
  }
  return { flags, positional };
}

/** One value against its spec (also used for values from a --settings file). */
export function checkValue(name: string, raw: unknown, spec: FlagSpec): string | number | boolean {
  if (spec.kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    return parseBoolean(name, String(raw));
  }
  if (spec.kind === 'string') {
    if (typeof raw !== 'string' || raw === '') throw new UsageError(`--${name} needs a non-empty text value, got ${JSON.stringify(raw)}`);
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}; got "${raw}"`);
    }
    return raw;
  }
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  const range = `${spec.min ?? '-∞'}..${spec.max ?? '∞'}`;
  if (!Number.isFinite(value) || (spec.kind === 'int' && !Number.isInteger(value))) {
    throw new UsageError(
      `--${name} must be ${spec.kind === 'int' ? 'a whole number' : 'a number'} in ${range}; got ${JSON.stringify(raw)}`,
    );
  }
  if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
    throw new UsageError(`--${name} must be in ${range}; got ${value}`);
  }
  return value;
}

function parseBoolean(name: string, raw: string): boolean {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new UsageError(`--${name} is true or false; got "${raw}"`);
}
