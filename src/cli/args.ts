/**
 * Command-line arguments of `pndm`: `--name value` / `--name=value` pairs checked against a table.
 * Every mistake is a UsageError with one line that says what was wrong and what is allowed.
 */
import { parseArgs } from 'node:util';

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

/** Every command takes --help (-h): print its usage and exit 0. */
export const HELP_FLAG: FlagSpec = { kind: 'boolean', help: 'print this help and exit' };

/**
 * Parse with Node's util.parseArgs (tokens, non-strict, so that the checks and messages stay ours: a value
 * that starts with "-", such as --seed -1, reaches the range check). `-h` is --help.
 */
export function parseFlags(
  argv: readonly string[],
  specs: Readonly<Record<string, FlagSpec>>,
): { flags: ParsedFlags; positional: string[] } {
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [name, { type: spec.kind === 'boolean' ? ('boolean' as const) : ('string' as const) }]),
  );
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const flags: ParsedFlags = {};
  const positional: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positional.push(token.value);
    if (token.kind !== 'option') continue;
    const name = token.name === 'h' && specs.help ? 'help' : token.name;
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (!spec) {
      throw new UsageError(
        `unknown option ${token.rawName}; options: ${Object.keys(specs)
          .map((k) => `--${k}`)
          .join(' ')}`,
      );
    }
    if (spec.kind === 'boolean') {
      flags[name] = token.value === undefined ? true : parseBoolean(name, token.value);
      continue;
    }
    if (token.value === undefined) throw new UsageError(`--${name} needs a value (${spec.help})`);
    flags[name] = checkValue(name, token.value, spec);
  }
  return { flags, positional };
}

/** `  --steps      sampling steps … (a, b)` lines for a command's help. */
export function formatFlags(specs: Readonly<Record<string, FlagSpec>>): string {
  const width = Math.max(...Object.keys(specs).map((name) => name.length));
  return Object.entries(specs)
    .map(([name, spec]) => `  --${name.padEnd(width)}  ${spec.help}${spec.choices ? ` (${spec.choices.join(', ')})` : ''}`)
    .join('\n');
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

/** A `--grid` value: whole timesteps separated by commas (their order is checked where the grid is made). */
export function gridList(text: string): number[] {
  const grid = text.split(',').map((v) => (v.trim() === '' ? NaN : Number(v)));
  if (grid.some((t) => !Number.isInteger(t) || t < 0)) {
    throw new UsageError(`--grid must be whole timesteps separated by commas, e.g. 900,700,500,300,100; got "${text}"`);
  }
  const rise = grid.findIndex((t, i) => i > 0 && t >= grid[i - 1]);
  if (rise > 0) {
    throw new UsageError(`--grid must be strictly decreasing (the order the model is called in); ${grid[rise]} follows ${grid[rise - 1]}`);
  }
  return grid;
}

/** A --grid against the model's T, before any sampling: its first timestep must be one the model was trained on. */
export function checkGridWithin(grid: readonly number[], T: number): void {
  if (grid[0] > T - 1) throw new UsageError(`--grid starts at ${grid[0]}, beyond the model's last timestep ${T - 1}`);
}
