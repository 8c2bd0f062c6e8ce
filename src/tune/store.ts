/**
 * Tuned grids on disk: one JSON file per (model file content, sampler, steps) in a per-user cache folder,
 * keyed by the model file's SHA-256, so a changed model file finds no grid and a copied one keeps its grid.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SamplerName, SamplingSettings } from '../sampler';

export interface TunedGrid {
  readonly sampler: SamplerName;
  readonly steps: number;
  /** Model-call timesteps, descending; the grid ends at the clean end. */
  readonly timesteps: readonly number[];
  /** RMS to the accurate solution on the tuning trajectories: the grid it was compared with, and the tuned grid. */
  readonly baseline: { readonly spacing: string; readonly rms: number };
  readonly rms: number;
  readonly modelSha256: string;
  readonly created: string;
}

/** The cache folder: $PNDM_CACHE_DIR, else the platform's per-user cache folder. */
export function tunedGridFolder(): string {
  if (process.env.PNDM_CACHE_DIR) return join(process.env.PNDM_CACHE_DIR, 'tuned-grids');
  const base =
    process.platform === 'win32'
      ? (process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'))
      : process.platform === 'darwin'
        ? join(homedir(), 'Library', 'Caches')
        : (process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'));
  return join(base, 'pndm-sampler', 'tuned-grids');
}

const hashes = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

/** SHA-256 of a model file, remembered while its size and modification time stay the same. */
export function modelSha256(path: string): string {
  const { size, mtimeMs } = statSync(path);
  const known = hashes.get(path);
  if (known && known.size === size && known.mtimeMs === mtimeMs) return known.sha256;
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  hashes.set(path, { size, mtimeMs, sha256 });
  return sha256;
}

function fileOf(sha256: string, sampler: SamplerName, steps: number): string {
  return join(tunedGridFolder(), `${sha256}-${sampler}-${steps}.json`);
}

export function saveTunedGrid(grid: TunedGrid): string {
  const file = fileOf(grid.modelSha256, grid.sampler, grid.steps);
  mkdirSync(tunedGridFolder(), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(grid, null, 1));
  renameSync(`${file}.tmp`, file);
  return file;
}

/** The tuned grid for this model file's content, sampler and steps, or undefined. */
export function loadTunedGrid(modelPath: string, sampler: SamplerName, steps: number): TunedGrid | undefined {
  let text: string;
  try {
    text = readFileSync(fileOf(modelSha256(modelPath), sampler, steps), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const grid = JSON.parse(text) as TunedGrid;
    return Array.isArray(grid.timesteps) && grid.timesteps.length === steps ? grid : undefined;
  } catch {
    return undefined; // a damaged file counts as no grid: tuning again rewrites it
  }
}

/** Settings with spacing `tuned` given their grid; a clear error when this model has none for them. */
export function withTunedGrid<S extends SamplingSettings>(settings: S, modelPath: string, given?: readonly number[]): S {
  if (settings.spacing !== 'tuned') return settings;
  if (given) return { ...settings, tunedGrid: given }; // from --grid or a recipe; the grid builder checks it
  const grid = loadTunedGrid(modelPath, settings.sampler, settings.steps);
  if (!grid) {
    throw new Error(
      `There is no tuned grid for ${settings.sampler} at ${settings.steps} steps for this model; ` +
        `make one with \`pndm tune --sampler ${settings.sampler} --steps ${settings.steps} --model ${modelPath}\` or choose another spacing.`,
    );
  }
  return { ...settings, tunedGrid: grid.timesteps };
}
