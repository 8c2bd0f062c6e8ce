/**
 * `pndm merge SHARD.npy... --out-npy all.npy [--out grid.png]`: join the shards of one
 * `pndm sample --shard` run into the array a one-process run writes, byte for byte. Every shard is
 * checked (its manifest, its array's SHA-256 and shape, same run, each index once) before anything
 * is written, and outputs are written atomically.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { encodeNpy, parseNpy, writeFileAtomic } from '../io';
import { METHODS } from '../sampler';
import { planMerge, type NamedManifest } from '../runner/merge';
import { encodeGridPng } from '../runner/png';
import { manifestPathFor, parseManifest, sha256Bytes } from '../runner/shardManifest';
import { UsageError } from './args';

export const MERGE_USAGE = 'pndm merge SHARD.npy... --out-npy all.npy [--out grid.png]';

export async function mergeCommand(argv: readonly string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { 'out-npy': { type: 'string' }, out: { type: 'string' } },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; usage: ${MERGE_USAGE}`);
  }
  const { values, positionals } = parsed;
  const outNpy = values['out-npy'];
  if (!outNpy) throw new UsageError(`pndm merge needs --out-npy FILE for the merged array; usage: ${MERGE_USAGE}`);
  if (positionals.length === 0) throw new UsageError(`give the shard .npy files to merge; usage: ${MERGE_USAGE}`);

  const shards = await Promise.all(positionals.map(readShard));
  const ordered = planMerge(shards.map(({ name, manifest }) => ({ name, manifest })));
  const { run } = ordered[0].manifest;
  const perImage = run.imageShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(run.total * perImage);
  for (const { name, manifest } of ordered) {
    const data = shards.find((s) => s.name === name)?.data as Float32Array;
    x.set(data, manifest.range.start * perImage);
  }
  // the grid first: if it fails, no merged array claims the run is done
  if (values.out) {
    const [channels, height, width] = run.imageShape;
    const text = {
      Software: 'pndm-sampler',
      Title: `${METHODS[run.settings.sampler]?.label ?? run.settings.sampler} samples merged from ${ordered.length} shards`,
      'pndm.settings': JSON.stringify({ ...run.settings, samples: run.total, seed: run.seed, ep: run.provider }),
    };
    await writeFileAtomic(values.out, encodeGridPng(x, run.total, { channels, height, width }, text));
  }
  await writeFileAtomic(outNpy, encodeNpy(x, [run.total, ...run.imageShape]));
  process.stdout.write(`merged ${ordered.length} shards, ${run.total} samples\n`);
  for (const path of [values.out, outNpy]) if (path) process.stdout.write(`wrote ${path}\n`);
}

interface LoadedShard extends NamedManifest {
  readonly data: Float32Array;
}

/** One shard's manifest and array, checked against each other; errors name the file. */
async function readShard(name: string): Promise<LoadedShard> {
  const npyPath = name.replace(/\.json$/i, '.npy');
  const manifestPath = manifestPathFor(npyPath);
  let manifestText: string;
  let bytes: Uint8Array;
  try {
    manifestText = await readFile(manifestPath, 'utf8');
  } catch {
    throw new Error(`${name} has no manifest ${manifestPath}; merge only .npy files written by pndm sample --shard`);
  }
  const manifest = parseManifest(manifestText, manifestPath);
  try {
    bytes = await readFile(npyPath);
  } catch (error) {
    throw new Error(
      `cannot read shard ${npyPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; re-run that shard`,
    );
  }
  if (sha256Bytes(bytes) !== manifest.npy.sha256) {
    throw new Error(
      `${npyPath} is not the array its manifest describes (SHA-256 differs); re-run shard ${manifest.shard.index}/${manifest.run.shards}`,
    );
  }
  const array = parseNpy(bytes, npyPath);
  const count = manifest.range.end - manifest.range.start;
  const expected = [count, ...manifest.run.imageShape];
  if (array.dtype !== '<f4' || array.shape.join() !== expected.join()) {
    throw new Error(
      `${npyPath} holds ${array.dtype} [${array.shape.join(', ')}], but its manifest says float32 [${expected.join(', ')}]; re-run that shard`,
    );
  }
  return { name: npyPath, manifest, data: array.data as Float32Array };
}
