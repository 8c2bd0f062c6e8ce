/**
 * The manifest written beside a shard's .npy (`shard.npy` → `shard.json`): what a merge needs to prove
 * that shards belong to one run (settings, model SHA-256, tool version, provider) and which images
 * each holds, plus the SHA-256 of the .npy itself so a stale or swapped array is caught.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { SamplingSettings } from '../sampler';
import type { ImageRange, ShardSpec } from './shard';

export const SHARD_FORMAT = 'pndm-shard/1';

/** Everything that must be equal across the shards of one run. */
export interface RunIdentity {
  readonly tool: string;
  readonly modelSha256: string;
  readonly settings: SamplingSettings;
  readonly seed: number;
  /** SHA-256 of the --noise file when x_T came from one. */
  readonly noiseSha256: string | null;
  readonly provider: string;
  /** [C, H, W] of one image. */
  readonly imageShape: readonly number[];
  readonly total: number;
  readonly shards: number;
}

export interface ShardManifest {
  readonly format: typeof SHARD_FORMAT;
  readonly run: RunIdentity;
  readonly shard: ShardSpec;
  readonly range: ImageRange;
  /** Where the model was read from (informative; the hash is what is compared). */
  readonly modelPath: string;
  readonly npy: { readonly file: string; readonly sha256: string };
}

/** `x.npy` → `x.json`, beside it. */
export function manifestPathFor(npyPath: string): string {
  return npyPath.replace(/(\.npy)?$/i, '.json');
}

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** "pndm-sampler 0.1.0", from the package.json one folder above dist/. */
export function toolVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { name?: string; version?: string };
    return `${pkg.name ?? 'pndm-sampler'} ${pkg.version ?? 'unknown'}`;
  } catch {
    return 'pndm-sampler unknown';
  }
}

export function makeManifest(
  run: RunIdentity,
  shard: ShardSpec,
  range: ImageRange,
  modelPath: string,
  npyPath: string,
  npyBytes: Uint8Array,
): ShardManifest {
  return { format: SHARD_FORMAT, run, shard, range, modelPath, npy: { file: basename(npyPath), sha256: sha256Bytes(npyBytes) } };
}

/** Parse a manifest's text; `name` is used in the one-line error. */
export function parseManifest(text: string, name: string): ShardManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${name} is not a shard manifest (${(error as Error).message}); re-run its pndm sample --shard`);
  }
  const m = raw as Partial<ShardManifest> | null;
  const ok =
    m !== null &&
    typeof m === 'object' &&
    m.format === SHARD_FORMAT &&
    typeof m.run === 'object' &&
    m.run !== null &&
    Number.isInteger(m.run.total) &&
    Number.isInteger(m.run.shards) &&
    Array.isArray(m.run.imageShape) &&
    typeof m.shard === 'object' &&
    m.shard !== null &&
    Number.isInteger(m.shard.index) &&
    typeof m.range === 'object' &&
    m.range !== null &&
    Number.isInteger(m.range.start) &&
    Number.isInteger(m.range.end) &&
    m.range.start < m.range.end &&
    m.range.end <= m.run.total &&
    typeof m.npy?.sha256 === 'string';
  if (!ok) throw new Error(`${name} is not a ${SHARD_FORMAT} manifest (fields missing or out of range); re-run its pndm sample --shard`);
  return m as ShardManifest;
}

/** The first field (dotted path) in which two run identities differ, with both values, or undefined. */
export function identityDifference(a: RunIdentity, b: RunIdentity): string | undefined {
  const walk = (x: unknown, y: unknown, path: string): string | undefined => {
    if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
      for (const key of keys) {
        const found = walk((x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
        if (found) return found;
      }
      return undefined;
    }
    return x === y ? undefined : `${path} (${JSON.stringify(x)} vs ${JSON.stringify(y)})`;
  };
  return walk(a, b, '');
}
