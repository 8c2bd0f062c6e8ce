/**
 * Shards of one large run: shard I of N samples the contiguous image range [start, end) of a run of
 * `total` images, each image from its own noise stream exactly as in the one big run, so shards
 * merged in index order are bit-identical to a one-process run (src/sampler/noise.ts: image k's
 * stream depends only on the seed and k).
 */
import type { NoiseSource } from '../sampler';

export interface ShardSpec {
  /** 0-based shard number, 0..count-1. */
  readonly index: number;
  readonly count: number;
}

export interface ImageRange {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/** "I/N" (0 ≤ I < N) as typed after --shard; anything else throws one sentence saying what to type. */
export function parseShard(text: string): ShardSpec {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index >= count || !Number.isSafeInteger(count)) {
    throw new Error(`--shard must be I/N with 0 ≤ I < N (e.g. 0/4 for the first of four shards); got "${text}"`);
  }
  return { index, count };
}

/**
 * Image range of shard `index` of `count` over `total` images: the first total mod count shards take
 * one image more, so sizes differ by at most one and every index is covered exactly once.
 */
export function shardRange(total: number, shard: ShardSpec): ImageRange {
  if (shard.count > total) {
    throw new Error(`${shard.count} shards cannot split ${total} samples (every shard needs at least one); use at most ${total} shards`);
  }
  const base = Math.floor(total / shard.count);
  const extra = total % shard.count;
  const start = shard.index * base + Math.min(shard.index, extra);
  return { start, end: start + base + (shard.index < extra ? 1 : 0) };
}

/** Image k of a shard draws from image first+k's stream of the whole run. */
export function offsetNoise(noise: NoiseSource, first: number): NoiseSource {
  return first === 0 ? noise : { fill: (image, out) => noise.fill(first + image, out) };
}
