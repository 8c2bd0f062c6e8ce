/**
 * `pndm fd SAMPLES... [--features MODEL.onnx --output NAME] [--stats STATS.npz] [--json FILE]
 * [--stats-out STATS.npz]`: the Fréchet distance between the features of samples (.npy files, shards
 * included, or folders of PNGs) and reference statistics; by default the bundled MNIST classifier's
 * features against its 60,000 training digits.
 */
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../io';
import { PROVIDER_CHOICES, type ProviderChoice } from '../model';
import {
  BUNDLED_FEATURES,
  frechetDistance,
  openFeatureNet,
  readBundledStats,
  readStatsNpz,
  statsOfInputs,
  writeStatsNpz,
} from '../quality';
import { UsageError } from './args';

export const FD_USAGE =
  'pndm fd SAMPLES.npy|FOLDER... [--features MODEL.onnx --output NAME] [--stats STATS.npz] [--json FILE] [--stats-out STATS.npz] [--ep NAME] [--batch B]';

export async function fdCommand(argv: readonly string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        features: { type: 'string' },
        output: { type: 'string' },
        stats: { type: 'string' },
        json: { type: 'string' },
        'stats-out': { type: 'string' },
        ep: { type: 'string' },
        batch: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; usage: ${FD_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError(`give the samples to score (.npy files or folders of PNGs); usage: ${FD_USAGE}`);
  const custom = values.features !== undefined;
  if (custom && !values.stats && !values['stats-out']) {
    throw new UsageError('--features needs --stats STATS.npz (reference statistics of that network), or --stats-out to compute them');
  }
  const ep = values.ep ?? 'cpu';
  if (!(PROVIDER_CHOICES as readonly string[]).includes(ep))
    throw new UsageError(`--ep must be one of ${PROVIDER_CHOICES.join(', ')}; got "${ep}"`);
  const batch = values.batch === undefined ? 500 : Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1) throw new UsageError(`--batch must be a whole number ≥ 1; got "${values.batch}"`);

  const net = await openFeatureNet(values.features ?? BUNDLED_FEATURES.model, {
    output: values.output ?? BUNDLED_FEATURES.output,
    provider: ep as ProviderChoice,
    batch,
  });
  try {
    const samples = await statsOfInputs(net, positionals);
    const n = samples.n ?? 0;
    const dim = samples.mu.length;
    if (values['stats-out']) {
      await writeStatsNpz(values['stats-out'], samples);
      process.stdout.write(`wrote ${values['stats-out']} (mu [${dim}], sigma [${dim}, ${dim}], n = ${n})\n`);
    }
    const reference = values.stats ? await readStatsNpz(values.stats) : custom ? undefined : await readBundledStats();
    if (!reference) return;
    if (n <= dim)
      process.stderr.write(`pndm: ${n} samples for ${dim} features: the covariance is singular and FD biased high; score more samples\n`);
    const fd = frechetDistance(samples, reference);
    const against = values.stats ?? 'the bundled train statistics';
    process.stdout.write(`FD ${fd.toFixed(4)} (n = ${n}, ${dim} features "${net.output}" of ${net.path}, against ${against})\n`);
    if (values.json) {
      const record = {
        fd,
        n,
        dim,
        features: net.path,
        output: net.output,
        stats: values.stats ?? 'bundled',
        referenceN: reference.n ?? null,
        inputs: positionals,
      };
      await writeFileAtomic(values.json, `${JSON.stringify(record, null, 2)}\n`);
      process.stdout.write(`wrote ${values.json}\n`);
    }
  } finally {
    await net.dispose();
  }
}
