/**
 * `pndm sample --shard I/N`: which images this process samples, and the .npy + manifest it leaves for
 * `pndm merge`. The array is written first and the manifest last (both atomically), so a manifest
 * always describes a complete array.
 */
import { encodeNpy, sha256File, writeFileAtomic } from '../io';
import type { ImageShape, SamplingSettings } from '../sampler';
import { parseShard, shardRange, type ImageRange, type ShardSpec } from '../runner/shard';
import { makeManifest, manifestPathFor, toolVersion, type RunIdentity } from '../runner/shardManifest';
import { UsageError } from './args';

export interface ShardPlan {
  readonly shard: ShardSpec;
  readonly range: ImageRange;
  readonly total: number;
}

/** The plan for `--shard` over `total` images; usage errors for bad text or too many shards. */
export function planShard(text: string, total: number, outNpy: string | undefined): ShardPlan {
  try {
    const shard = parseShard(text);
    if (!outNpy) throw new Error(`--shard ${text} needs --out-npy FILE: a shard is only useful as an array for pndm merge`);
    return { shard, range: shardRange(total, shard), total };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export interface ShardRunFacts {
  readonly modelPath: string;
  readonly settings: SamplingSettings;
  readonly seed: number;
  readonly noisePath: string | undefined;
  readonly provider: string;
  readonly imageShape: ImageShape;
}

/** Write the shard's array and then its manifest; returns the manifest's path. */
export async function writeShard(plan: ShardPlan, facts: ShardRunFacts, outNpy: string, x: Float32Array): Promise<string> {
  const { channels, height, width } = facts.imageShape;
  const run: RunIdentity = {
    tool: toolVersion(),
    modelSha256: await sha256File(facts.modelPath),
    settings: facts.settings,
    seed: facts.seed,
    noiseSha256: facts.noisePath ? await sha256File(facts.noisePath) : null,
    provider: facts.provider,
    imageShape: [channels, height, width],
    total: plan.total,
    shards: plan.shard.count,
  };
  const bytes = encodeNpy(x, [plan.range.end - plan.range.start, channels, height, width]);
  await writeFileAtomic(outNpy, bytes);
  const manifestPath = manifestPathFor(outNpy);
  const manifest = makeManifest(run, plan.shard, plan.range, facts.modelPath, outNpy, bytes);
  await writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifestPath;
}
