/**
 * Which shards make a whole run: every shard from the same run (settings, model, tool, provider) and
 * every index exactly once, given in any order. Pure: the CLI reads the files, this decides.
 */
import { shardRange } from './shard';
import { identityDifference, type ShardManifest } from './shardManifest';

export interface NamedManifest {
  /** How the user named the shard (its .npy path), for messages. */
  readonly name: string;
  readonly manifest: ShardManifest;
}

/** The shards in index order, or an Error naming the shard that is missing, duplicated or mismatched. */
export function planMerge(shards: readonly NamedManifest[]): NamedManifest[] {
  if (shards.length === 0) throw new Error('give the shard .npy files to merge, e.g. pndm merge out/shard-*.npy --out-npy all.npy');
  const first = shards[0];
  const { total, shards: count } = first.manifest.run;
  const byIndex = new Map<number, NamedManifest>();
  for (const shard of shards) {
    const { manifest, name } = shard;
    const difference = identityDifference(first.manifest.run, manifest.run);
    if (difference) {
      throw new Error(`${name} is not from the same run as ${first.name}: ${difference} differ; merge only shards of one pndm sample run`);
    }
    const expected = shardRange(total, { index: manifest.shard.index, count });
    if (manifest.shard.index >= count || expected.start !== manifest.range.start || expected.end !== manifest.range.end) {
      throw new Error(
        `${name} claims images ${manifest.range.start}..${manifest.range.end - 1} as shard ${manifest.shard.index}/${count}, which is not that shard's range; re-run it`,
      );
    }
    const other = byIndex.get(manifest.shard.index);
    if (other) throw new Error(`shard ${manifest.shard.index}/${count} is given twice: ${other.name} and ${name}; give each shard once`);
    byIndex.set(manifest.shard.index, shard);
  }
  const missing = [...Array(count).keys()].filter((i) => !byIndex.has(i));
  if (missing.length) {
    const ranges = missing.map((i) => {
      const r = shardRange(total, { index: i, count });
      return `${i}/${count} (images ${r.start}..${r.end - 1})`;
    });
    const how =
      missing.length > 1 ? `them (pndm sample --shard ${missing[0]}/${count} …)` : `it with pndm sample --shard ${missing[0]}/${count}`;
    throw new Error(
      `shard${missing.length > 1 ? 's' : ''} ${ranges.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing; sample ${how} and merge again`,
    );
  }
  return [...Array(count).keys()].map((i) => byIndex.get(i) as NamedManifest);
}
