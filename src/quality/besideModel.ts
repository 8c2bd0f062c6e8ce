/**
 * The panel's quality line: a run of at least {@link PANEL_FD_MIN_SAMPLES} samples on a model that sits
 * beside the MNIST classifier and its train statistics (the bundled model does) is scored with the
 * Fréchet distance. Fewer samples give a number dominated by small-sample bias, so none is shown.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { npyToFloat32, readNpy } from '../io';
import { frechetDistance, gaussianStats } from './frechet';
import { openFeatureNet } from './features';

export const PANEL_FD_MIN_SAMPLES = 500;

const files = (folder: string) => ({
  model: join(folder, 'mnist_classifier.onnx'),
  mean: join(folder, 'mnist_classifier_train_features_mean.npy'),
  cov: join(folder, 'mnist_classifier_train_features_cov.npy'),
});

/** The MNIST classifier and its train statistics beside a model file (the bundled model has them), if all three are there. */
export function classifierBesideModel(modelPath: string): ReturnType<typeof files> | undefined {
  const found = files(dirname(modelPath));
  return Object.values(found).every((f) => existsSync(f)) ? found : undefined;
}

/** FD of `count` samples against the classifier's train statistics, or undefined when not applicable. */
export async function fdBesideModel(modelPath: string, x: Float32Array, count: number): Promise<{ fd: number; n: number } | undefined> {
  const found = classifierBesideModel(modelPath);
  if (count < PANEL_FD_MIN_SAMPLES || !found) return undefined;
  const net = await openFeatureNet(found.model, { provider: 'cpu' });
  try {
    const perImage = net.imageShape.channels * net.imageShape.height * net.imageShape.width;
    if (x.length !== count * perImage) return undefined; // a model of another image size
    const { data, dim } = await net.features(x, count);
    const mu = Float64Array.from(npyToFloat32(await readNpy(found.mean)));
    const cov = await readNpy(found.cov);
    const sigma = cov.data instanceof Float64Array ? cov.data : Float64Array.from(npyToFloat32(cov));
    return { fd: frechetDistance(gaussianStats(data, dim), { mu, sigma }), n: count };
  } finally {
    await net.dispose();
  }
}

/** What the summary line adds: "; FD 2.820 against the MNIST training digits (n = 2000)". */
export function fdSuffix(score: { fd: number; n: number } | undefined): string {
  return score ? `; FD ${score.fd.toFixed(3)} against the MNIST training digits (n = ${score.n})` : '';
}
