/**
 * The [C, H, W] of an ε-model's image: fixed axes come from the model; dynamic ones from the options,
 * else from the model's `diffusion.image_size` / `diffusion.channels` metadata, else an error saying
 * which option to set.
 */
import type { ImageShape } from '../sampler/types';
import { describeTensor, fixed, type Dim, type TensorInfo } from './tensorInfo';

export interface ImageShapeOptions {
  /** The model file, for messages. */
  readonly path: string;
  readonly height?: number;
  readonly width?: number;
  readonly channels?: number;
  /** metadata_props; `diffusion.image_size` and `diffusion.channels` fill in dynamic axes. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export function resolveImageShape(image: TensorInfo, options: ImageShapeOptions): ImageShape {
  const { path } = options;
  const [, c, h, w] = image.shape;
  const size = parseImageSize(options.metadata?.['diffusion.image_size']);
  const metadataChannels = positiveInteger(options.metadata?.['diffusion.channels']);
  const unknown = (
    [
      ['channels', c, options.channels, metadataChannels],
      ['height', h, options.height, size],
      ['width', w, options.width, size],
    ] as const
  ).filter(([, dim, requested, known]) => !fixed(dim) && requested === undefined && known === undefined);
  if (unknown.length) {
    const names = unknown.map(([what]) => what).join(' and ');
    const keys = [
      ...(unknown.some(([what]) => what !== 'channels') ? ['diffusion.image_size (e.g. "32" or "64,48")'] : []),
      ...(unknown.some(([what]) => what === 'channels') ? ['diffusion.channels (e.g. "3")'] : []),
    ].join(' and ');
    throw new Error(
      `The image input ${describeTensor(image)} of ${path} has a dynamic ${names}, and nothing says the size it was trained at. ` +
        `Add ${keys} to the model's metadata_props (Python: onnx.helper.set_model_props), or re-export it with a fixed size; ` +
        `in code, pass the ${names} option${unknown.length > 1 ? 's' : ''} to openOnnxModel.`,
    );
  }
  return {
    channels: axis(c, options.channels, metadataChannels, 'channels', image, path),
    height: axis(h, options.height, size?.[0], 'height', image, path),
    width: axis(w, options.width, size?.[1], 'width', image, path),
  };
}

function axis(
  dim: Dim | undefined,
  requested: number | undefined,
  fromMetadata: number | undefined,
  what: string,
  image: TensorInfo,
  path: string,
): number {
  if (requested !== undefined && !(Number.isInteger(requested) && requested > 0)) {
    throw new Error(`The requested ${what} must be a positive integer, got ${requested}.`);
  }
  if (fixed(dim)) {
    if (requested !== undefined && requested !== dim) {
      throw new Error(
        `${path} has a fixed ${what} of ${dim} (input ${describeTensor(image)}), so a ${what} of ${requested} cannot be used.`,
      );
    }
    return dim;
  }
  return (requested ?? fromMetadata)!;
}

function positiveInteger(text: string | undefined): number | undefined {
  const n = Number(text);
  return text !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** `diffusion.image_size`: "32", "64,48", "64x48" or "[64, 48]" → [height, width]. */
function parseImageSize(text: string | undefined): [number, number] | undefined {
  if (!text) return undefined;
  const parts = text
    .replace(/[[\]()]/g, '')
    .split(/[\s,x×]+/)
    .filter(Boolean)
    .map(Number);
  if (parts.length < 1 || parts.length > 2 || parts.some((n) => !Number.isInteger(n) || n <= 0)) return undefined;
  return [parts[0], parts[parts.length - 1]];
}
