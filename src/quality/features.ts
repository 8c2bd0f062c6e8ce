/**
 * Features of images from a classifier network (onnxruntime), for the Fréchet distance: by default the
 * bundled MNIST classifier's 128-d `features` output (models/MODEL_CARD.md). Samples are clipped to
 * [−1, 1] first, the classifier's input convention and the range a saved image can hold.
 */
import * as ort from 'onnxruntime-node';
import { createSession, type ProviderChoice, type SessionLike } from '../model';
import type { ImageShape } from '../sampler';

export interface FeatureNet {
  readonly path: string;
  readonly output: string;
  /** The image size the network takes. */
  readonly imageShape: ImageShape;
  /** Features of `count` images [count, C, H, W] as [count, dim] float32, `batch` images per call. */
  features(images: Float32Array, count: number): Promise<{ data: Float32Array; dim: number }>;
  dispose(): Promise<void>;
}

export interface FeatureNetOptions {
  /** Output to read (default `features`). */
  readonly output?: string;
  readonly provider?: ProviderChoice;
  /** Images per call (default 500). */
  readonly batch?: number;
}

export async function openFeatureNet(path: string, options: FeatureNetOptions = {}): Promise<FeatureNet> {
  const output = options.output ?? 'features';
  const batch = options.batch ?? 500;
  let session: SessionLike;
  try {
    session = (await createSession(path, { provider: options.provider ?? 'cpu' })).session;
  } catch (error) {
    throw new Error(`Could not open the feature network ${path}: ${(error as Error).message.split('\n')[0]}`);
  }
  const input = session.inputMetadata.find((m) => m.isTensor && m.shape.length === 4);
  if (!input || !input.isTensor || input.type !== 'float32') {
    await session.release();
    throw new Error(`${path} has no float32 image input [N, C, H, W]; give a classifier that takes images (--features).`);
  }
  if (!session.outputNames.includes(output)) {
    await session.release();
    throw new Error(`${path} has no output "${output}"; its outputs are ${session.outputNames.join(', ')} (choose one with --output).`);
  }
  const [, c, h, w] = input.shape;
  if (![c, h, w].every((d) => typeof d === 'number' && d > 0)) {
    await session.release();
    throw new Error(
      `${path} does not fix its image size (input ${input.name} is [${input.shape.join(', ')}]); export it with a fixed C, H, W.`,
    );
  }
  const imageShape = { channels: c as number, height: h as number, width: w as number };
  const perImage = imageShape.channels * imageShape.height * imageShape.width;
  return {
    path,
    output,
    imageShape,
    async features(images, count) {
      if (images.length !== count * perImage) {
        throw new Error(`${count} images of ${c}×${h}×${w} need ${count * perImage} values; got ${images.length}.`);
      }
      const parts: Float32Array[] = [];
      let dim = 0;
      for (let start = 0; start < count; start += batch) {
        const n = Math.min(batch, count - start);
        const x = new Float32Array(n * perImage);
        const source = images.subarray(start * perImage, (start + n) * perImage);
        for (let i = 0; i < x.length; i++) x[i] = Math.min(1, Math.max(-1, source[i]));
        const result = await session.run({ [input.name]: new ort.Tensor('float32', x, [n, c as number, h as number, w as number]) });
        const tensor = result[output] as ort.Tensor;
        dim = tensor.data.length / n;
        parts.push(Float32Array.from(tensor.data as Float32Array));
      }
      const data = new Float32Array(count * dim);
      let at = 0;
      for (const part of parts) {
        data.set(part, at);
        at += part.length;
      }
      return { data, dim };
    },
    dispose: () => session.release(),
  };
}
