/**
 * `pndm eval --fd`: the Fréchet distance column. Each cell's N samples come from the same path as
 * `pndm sample --seed S --samples N` (runJob, image k from stream k of the seed), in chunks so a large N
 * never holds the whole batch; their classifier features (clipped to [−1, 1] by the feature net, as
 * `pndm fd` does) accumulate into one mean and covariance, scored against the classifier's train statistics.
 */
import type { OnnxEpsModel } from '../model';
import {
  classifierBesideModel,
  frechetDistance,
  openFeatureNet,
  readMeanCovStats,
  StatsAccumulator,
  type FeatureNet,
  type GaussianStats,
} from '../quality';
import type { SamplingSettings } from '../sampler';
import { jobModelOf, runJob } from '../runner/runJob';
import { UsageError } from './args';

/** Images sampled at once: bounds the sampler state and onnxruntime's activations for N = 2,000. */
export const FD_CHUNK = 250;

/** The train statistics' size (models/MODEL_CARD.md: the 60,000 MNIST training digits). */
const TRAIN_DIGITS = 60000;

export interface FdScorer {
  readonly net: FeatureNet;
  readonly reference: GaussianStats;
  readonly samples: number;
  dispose(): Promise<void>;
}

/** The classifier beside the model, checked to take the model's images; a clear message when there is none. */
export async function openFdScorer(model: OnnxEpsModel, samples: number): Promise<FdScorer> {
  const found = classifierBesideModel(model.info.path);
  if (!found) {
    throw new UsageError(
      `--fd scores samples with the MNIST classifier and its train statistics beside the model (as the bundled model has them in models/); ` +
        `${model.info.path} has none beside it: write samples with \`pndm sample --out-npy\` and score them with \`pndm fd --features NET.onnx --stats STATS.npz\`.`,
    );
  }
  const net = await openFeatureNet(found.model, { provider: 'cpu' });
  try {
    const a = model.info.imageShape;
    const b = net.imageShape;
    if (a.channels !== b.channels || a.height !== b.height || a.width !== b.width) {
      throw new UsageError(
        `--fd: the classifier beside the model takes ${b.channels}×${b.height}×${b.width} images and the model makes ${a.channels}×${a.height}×${a.width}; ` +
          'score this model with `pndm fd --features NET.onnx --stats STATS.npz` and a network of its image size.',
      );
    }
    const reference = await readMeanCovStats(found.mean, found.cov, 'the train statistics beside the model', TRAIN_DIGITS);
    const dim = reference.mu.length;
    if (samples <= dim)
      process.stderr.write(
        `pndm: ${samples} samples for ${dim} features: the covariance is singular and FD biased high; use --fd-samples above ${dim}\n`,
      );
    return { net, reference, samples, dispose: () => net.dispose() };
  } catch (error) {
    await net.dispose();
    throw error;
  }
}

/** FD of `scorer.samples` samples of one cell from `seed`; `onChunk` reports images done. */
export async function fdOfCell(
  model: OnnxEpsModel,
  scorer: FdScorer,
  settings: SamplingSettings,
  seed: number,
  signal: AbortSignal,
  onChunk?: (done: number) => void,
): Promise<number> {
  let acc: StatsAccumulator | undefined;
  for (let first = 0; first < scorer.samples; first += FD_CHUNK) {
    const samples = Math.min(FD_CHUNK, scorer.samples - first);
    const result = await runJob(jobModelOf(model), { settings, samples, seed, firstImage: first }, { signal });
    const { data, dim } = await scorer.net.features(result.x, samples);
    acc ??= new StatsAccumulator(dim);
    acc.add(data);
    onChunk?.(first + samples);
  }
  return frechetDistance(acc!.stats(), scorer.reference);
}
