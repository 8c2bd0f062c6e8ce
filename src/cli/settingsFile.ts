/**
 * `pndm sample --settings FILE`: a PNG saved by `pndm sample` or the panel (its recipe, see
 * src/runner/recipe.ts), or the JSON "Copy settings" gives. Its values are checked like flags; its
 * model is found by --model, else by file name beside the settings file, else the bundled model when
 * the SHA-256 matches, and a model whose SHA-256 differs from the recipe's is named in the message.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { sha256File } from '../io';
import { PNG_SIGNATURE } from '../runner/png';
import { readPngSettings } from '../runner/pngText';
import { baseName } from '../runner/recipe';
import { checkValue, UsageError, type FlagSpec, type ParsedFlags } from './args';

/** Recipe keys that are flags of `pndm sample`. */
const FLAG_KEYS = ['sampler', 'steps', 'samples', 'seed', 'spacing', 'eta', 'variance', 'ep', 'tolerance', 'batch'];
/** Recipe keys whose flag is spelled differently. */
const RENAMED_KEYS: Readonly<Record<string, string>> = {
  solverOrder: 'solver-order',
  solverType: 'solver-type',
  epsScale: 'eps-scale',
};
const KEYS = [...FLAG_KEYS, ...Object.keys(RENAMED_KEYS), 'grid', 'model', 'modelSha256'];

export interface SettingsRead {
  readonly flags: ParsedFlags;
  /** The model's file name (or, in older JSON, its path). */
  readonly model?: string;
  readonly modelSha256?: string;
}

/** The settings in `path`, each value checked against the flag of the same name in `specs`. */
export function readSettings(path: string, specs: Readonly<Record<string, FlagSpec>>): SettingsRead {
  let raw: unknown;
  try {
    const bytes = readFileSync(path);
    raw = bytes.subarray(0, 8).equals(PNG_SIGNATURE) ? readPngSettings(bytes) : JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new UsageError(`--settings ${path}: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`--settings ${path} must hold a JSON object`);
  const flags: ParsedFlags = {};
  let model: string | undefined;
  let modelSha256: string | undefined;
  for (const [key, value] of Object.entries(raw)) {
    if (!KEYS.includes(key)) throw new UsageError(`--settings ${path}: unknown key "${key}"; keys: ${KEYS.join(', ')}`);
    if (key === 'model') model = String(checkValue('model', value, specs.model));
    else if (key === 'modelSha256') {
      if (typeof value !== 'string' || !/^[0-9a-f]{64}$/i.test(value)) {
        throw new UsageError(`--settings ${path}: modelSha256 must be 64 hex digits; got ${JSON.stringify(value)}`);
      }
      modelSha256 = value.toLowerCase();
    } else if (key === 'grid') {
      // a tuned run's timesteps: the same text --grid takes
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'number')) {
        throw new UsageError(`--settings ${path}: grid must be a list of timesteps; got ${JSON.stringify(value)}`);
      }
      flags.grid = value.join(',');
    } else if (key === 'seed' && value === -1)
      continue; // the panel's "random each run": the CLI's default seed
    else {
      const flag = RENAMED_KEYS[key] ?? key;
      flags[flag] = checkValue(flag, value, specs[flag]);
    }
  }
  return { flags, model, modelSha256 };
}

/** The model file a recipe read from `settingsPath` means; `note` hears about a --model that differs. */
export async function resolveRecipeModel(
  recipe: SettingsRead,
  settingsPath: string,
  explicit: string | undefined,
  bundled: string,
  note: (message: string) => void,
): Promise<string> {
  const wanted = recipe.modelSha256;
  const short = (sha: string) => `${sha.slice(0, 12)}…`;
  if (explicit !== undefined) {
    const sha = wanted && existsSync(explicit) ? await sha256File(explicit) : undefined;
    if (wanted && sha && sha !== wanted) {
      note(
        `${explicit} is not the model ${settingsPath} was made with (SHA-256 ${short(sha)}, not ${short(wanted)}); the samples will differ.`,
      );
    }
    return explicit;
  }
  const name = recipe.model ? baseName(recipe.model) : undefined;
  const candidates = [
    ...(recipe.model && isAbsolute(recipe.model) ? [recipe.model] : []), // JSON copied before recipes named files only
    ...(name ? [join(dirname(settingsPath), name)] : []),
  ];
  const mismatched: string[] = [];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    if (!wanted) return candidate;
    const sha = await sha256File(candidate);
    if (sha === wanted) return candidate;
    mismatched.push(`${candidate} (SHA-256 ${short(sha)})`);
  }
  if (wanted ? (await sha256File(bundled)) === wanted : name === undefined || name === baseName(bundled)) return bundled;
  const what = `the model ${name ?? ''} ${wanted ? `(SHA-256 ${short(wanted)}) ` : ''}that ${settingsPath} was made with`.replace(
    / {2}/g,
    ' ',
  );
  if (mismatched.length) throw new UsageError(`${mismatched.join(', ')} is not ${what}; give that model with --model PATH`);
  throw new UsageError(`${what} is not beside it; give it with --model PATH`);
}
