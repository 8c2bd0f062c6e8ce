/**
 * Finds an ε-model's image input, timestep input and output among an ONNX model's inputs and outputs,
 * by rank, dtype and name, and checks that the model is one this project can drive: an unconditional
 * network ε(x_t, t) with a float32 image [N, C, H, W] and an integer or float timestep of shape [N], [1] or [].
 */
import type * as ort from 'onnxruntime-node';
import type { ImageShape } from '../sampler/types';
import { resolveImageShape, type ImageShapeOptions } from './imageShape';
import { describeTensor, fixed, tensorInfo, type Dim, type TensorInfo } from './tensorInfo';

export type { Dim, TensorInfo } from './tensorInfo';

export type TimestepDtype = 'int64' | 'int32' | 'float32' | 'float64';
export const TIMESTEP_DTYPES: readonly TimestepDtype[] = ['int64', 'int32', 'float32', 'float64'];
/** How the timestep is fed: one per image [N], one for the batch [1], or a scalar []. */
export type TimestepLayout = 'batch' | 'one' | 'scalar';
export interface ModelIO {
  readonly image: TensorInfo;
  readonly timestep: TensorInfo & { readonly dtype: TimestepDtype; readonly layout: TimestepLayout };
  readonly output: TensorInfo;
  readonly imageShape: ImageShape;
  /** The batch size the model requires, or null when the batch axis is dynamic. */
  readonly fixedBatch: number | null;
  /** Output channels when fixed in the model: C, or 2C for a learned-variance output; null when dynamic. */
  readonly outputChannels: number | null;
}

export type DetectOptions = ImageShapeOptions;

const IMAGE_NAME = /^(sample|samples|x|x_?t|latents?|latent_model_input|noisy.*|images?|img|inputs?|z|z_?t)$/i;
const TIMESTEP_NAME = /^(t|ts|timesteps?|time|time_?steps?|steps?)$/i;

function byName(list: TensorInfo[], pattern: RegExp): TensorInfo | undefined {
  const named = list.filter((t) => pattern.test(t.name));
  return named.length === 1 ? named[0] : undefined;
}

export function detectModelIO(
  inputMetadata: readonly ort.InferenceSession.ValueMetadata[],
  outputMetadata: readonly ort.InferenceSession.ValueMetadata[],
  options: DetectOptions,
): ModelIO {
  const { path } = options;
  const inputs = inputMetadata.map((m) => tensorInfo(m, path, 'input'));
  const listing = inputs.map(describeTensor).join(', ') || 'none';

  const rank4 = inputs.filter((t) => t.shape.length === 4);
  const image = rank4.length === 1 ? rank4[0] : byName(rank4, IMAGE_NAME);
  if (!image) {
    throw new Error(
      rank4.length === 0
        ? `${path} has no 4-D image input; its inputs are ${listing}. Expected an ε-model with an image input [N, C, H, W] (e.g. "sample") and a timestep input.`
        : `${path} has several 4-D inputs (${rank4.map(describeTensor).join(', ')}) and none is clearly the image; name it "sample" or "x".`,
    );
  }
  if (image.dtype !== 'float32') {
    throw new Error(
      `The image input ${describeTensor(image)} of ${path} has dtype ${image.dtype}; only float32 models are supported. ` +
        'Re-export the model in float32 (e.g. model.float() before torch.onnx.export).',
    );
  }
  const rest = inputs.filter((t) => t !== image);
  const small = rest.filter((t) => t.shape.length <= 1);
  const timestep = byName(small, TIMESTEP_NAME) ?? (small.length === 1 ? small[0] : undefined);
  if (!timestep) {
    throw new Error(
      `${path} has no timestep input besides the image ${describeTensor(image)}; its inputs are ${listing}. ` +
        'Expected a timestep input of shape [N], [1] or [] (int64, int32 or float), e.g. "timestep".',
    );
  }
  if (!(TIMESTEP_DTYPES as readonly string[]).includes(timestep.dtype)) {
    throw new Error(
      `The timestep input ${describeTensor(timestep)} of ${path} has dtype ${timestep.dtype}; supported are ${TIMESTEP_DTYPES.join(', ')}. Re-export the model with an int64 or float32 timestep.`,
    );
  }
  const extra = rest.filter((t) => t !== timestep);
  if (extra.length) {
    throw new Error(
      `${path} has the input${extra.length > 1 ? 's' : ''} ${extra.map(describeTensor).join(', ')} besides the image "${image.name}" and the timestep "${timestep.name}". ` +
        'Only unconditional ε-models (image and timestep inputs only) are supported; conditional models (text embeddings, class labels) need conditioning this sampler does not provide.',
    );
  }

  const b = image.shape[0];
  const fixedBatch = fixed(b) ? b : null;
  const { channels, height, width } = resolveImageShape(image, options);

  let layout: TimestepLayout = 'batch';
  if (timestep.shape.length === 0) layout = 'scalar';
  else if (timestep.shape[0] === 1 && fixedBatch !== 1) layout = 'one';
  else if (fixed(timestep.shape[0]) && timestep.shape[0] !== fixedBatch) {
    throw new Error(
      `The timestep input ${describeTensor(timestep)} of ${path} has a fixed size that does not match the image batch ${describeTensor(image)}.`,
    );
  }

  const output = tensorInfo(outputMetadata[0] ?? { name: '?', isTensor: false }, path, 'output');
  if (output.dtype !== 'float32') {
    throw new Error(
      `The output ${describeTensor(output)} of ${path} has dtype ${output.dtype}; only float32 outputs are supported. Re-export the model in float32.`,
    );
  }
  const [ob, oc, oh, ow] = output.shape;
  const bad =
    (output.shape.length !== 0 && output.shape.length !== 4) ||
    (fixed(oc) && oc !== channels && oc !== 2 * channels) ||
    (fixed(oh) && oh !== height) ||
    (fixed(ow) && ow !== width) ||
    (fixed(ob) && fixedBatch !== null && ob !== fixedBatch);
  if (bad) throw outputShapeError(output.name, output.shape, image.name, [channels, height, width], path);
  return {
    image,
    timestep: { ...timestep, dtype: timestep.dtype as TimestepDtype, layout },
    output,
    imageShape: { channels, height, width },
    fixedBatch,
    outputChannels: fixed(oc) ? oc : null,
  };
}

export function outputShapeError(name: string, shape: readonly Dim[], image: string, chw: number[], path: string): Error {
  const [c, h, w] = chw;
  return new Error(
    `The output "${name}" of ${path} has shape [${shape.join(', ')}], but an ε-model's output must match the image "${image}": ` +
      `[N, ${c}, ${h}, ${w}] (or [N, ${2 * c}, ${h}, ${w}] with learned variance). Is this an ε (noise-prediction) model?`,
  );
}
