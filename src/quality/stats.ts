/**
 * Reference statistics for the Fréchet distance: pytorch-fid's `.npz` layout (`mu` [d], `sigma` [d, d])
 * for anything a user brings, and the bundled classifier's train statistics (a mean and a covariance
 * .npy in models/) by default. Also the feature statistics of a set of sample files, accumulated file
 * by file so shards can be scored without merging them.
 */
import { join } from 'node:path';
import { npyToFloat32, readNpy, type NpyArray } from '../io';
import { StatsAccumulator, type GaussianStats } from './frechet';
import type { FeatureNet } from './features';
import { readImageFolder, readImageNpy } from './images';
import { readNpz, writeNpz } from './npz';
import { stat } from 'node:fs/promises';

/** The bundled classifier and its train statistics, beside the bundled ε-model (dist/ → ../models/). */
export const BUNDLED_FEATURES = {
  model: join(__dirname, '..', 'models', 'mnist_classifier.onnx'),
  mean: join(__dirname, '..', 'models', 'mnist_classifier_train_features_mean.npy'),
  cov: join(__dirname, '..', 'models', 'mnist_classifier_train_features_cov.npy'),
  output: 'features',
  /** The 60,000 MNIST training digits (models/MODEL_CARD.md). */
  n: 60000,
};

function toFloat64(array: NpyArray): Float64Array {
  return array.data instanceof Float64Array ? array.data : Float64Array.from(npyToFloat32(array));
}

/** Checks that mu is [d] and sigma [d, d]; `name` names the source in the error. */
function checkedStats(mu: NpyArray | undefined, sigma: NpyArray | undefined, name: string, n?: number): GaussianStats {
  if (!mu || !sigma)
    throw new Error(`${name} lacks ${!mu ? 'mu' : 'sigma'}; reference statistics need mu [d] and sigma [d, d] (pytorch-fid's .npz layout)`);
  const d = mu.shape[0];
  if (mu.shape.length !== 1 || sigma.shape.join() !== [d, d].join()) {
    throw new Error(`${name}: mu is [${mu.shape.join(', ')}] and sigma [${sigma.shape.join(', ')}]; they must be [d] and [d, d]`);
  }
  return { mu: toFloat64(mu), sigma: toFloat64(sigma), n };
}

/** Statistics from an .npz with `mu` and `sigma` (pytorch-fid's --save-stats output, or ours). */
export async function readStatsNpz(path: string): Promise<GaussianStats> {
  if (!path.toLowerCase().endsWith('.npz')) throw new Error(`--stats ${path}: give an .npz with mu and sigma (pytorch-fid's layout)`);
  const members = await readNpz(path);
  const n = members.get('n');
  return checkedStats(members.get('mu'), members.get('sigma'), path, n ? Number(n.data[0]) : undefined);
}

export async function readBundledStats(): Promise<GaussianStats> {
  return readMeanCovStats(BUNDLED_FEATURES.mean, BUNDLED_FEATURES.cov, 'the bundled train statistics', BUNDLED_FEATURES.n);
}

/** Statistics kept as a mean .npy [d] and a covariance .npy [d, d], as the bundled classifier's are. */
export async function readMeanCovStats(meanPath: string, covPath: string, name: string, n?: number): Promise<GaussianStats> {
  return checkedStats(await readNpy(meanPath), await readNpy(covPath), name, n);
}

export async function writeStatsNpz(path: string, stats: GaussianStats): Promise<void> {
  const d = stats.mu.length;
  await writeNpz(path, {
    mu: { data: stats.mu, shape: [d] },
    sigma: { data: stats.sigma, shape: [d, d] },
    n: { data: new Float64Array([stats.n ?? 0]), shape: [1] },
  });
}

/** Feature statistics over every input (.npy files of samples or folders of PNGs), in order. */
export async function statsOfInputs(net: FeatureNet, inputs: readonly string[]): Promise<GaussianStats> {
  let acc: StatsAccumulator | undefined;
  for (const input of inputs) {
    const isFolder = await stat(input).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const images = isFolder ? await readImageFolder(input, net.imageShape) : await readImageNpy(input, net.imageShape);
    const { data, dim } = await net.features(images.data, images.count);
    acc ??= new StatsAccumulator(dim);
    acc.add(data);
  }
  if (!acc) throw new Error('give at least one .npy of samples or folder of PNG images to score');
  return acc.stats();
}
