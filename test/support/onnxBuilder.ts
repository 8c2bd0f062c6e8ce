/**
 * Small ONNX ε-models for tests, written with `onnx-proto`:
 * - {@link buildGaussianEpsModel}: the exact ε-model of Gaussian data (see gaussianDiffusion.ts),
 *   out = P[t]·x + Q[t] with P, Q gathered from constant tables by the timestep; options produce
 *   the malformed and edge variants the error tests need.
 * - {@link buildTimestepEchoModel}: outputs the timestep it was fed, broadcast over the image.
 */
import { makeSchedule, type PredictionType, type ScheduleConfig } from '../../src/sampler/schedule';
import { exactGaussianEps, gaussianOutputTables } from './gaussianDiffusion';
import { GraphWriter, elemTypeCode, type Dim, type ElemType, type ValueSpec } from './onnxGraph';

export interface ImageSpec {
  readonly channels?: number;
  /** Default 4; a string makes the axis dynamic. */
  readonly height?: Dim;
  readonly width?: Dim;
  /** Default 'N' (dynamic); 1 makes a fixed-batch model. */
  readonly batch?: Dim;
  readonly imageName?: string;
  readonly imageType?: ElemType;
  readonly timestepName?: string;
  readonly timestepType?: ElemType;
  /** [N] (default), [1], [] or (unsupported) [N, 1]. */
  readonly timestepShape?: 'batch' | 'one' | 'scalar' | 'column';
  readonly outputName?: string;
  /** metadata_props to write. */
  readonly metadata?: Record<string, string>;
  /** Inputs declared besides image and timestep (unused by the graph). */
  readonly extraInputs?: readonly ValueSpec[];
}

export interface GaussianModelOptions extends ImageSpec {
  readonly mu: number;
  readonly s: number;
  readonly alphasCumprod: ArrayLike<number>;
  /** What the output means; also written as metadata diffusion.prediction_type unless `metadata` is given. */
  readonly predictionType?: PredictionType;
  /** Declare the image as [N, C·H·W] (no 4-D input). */
  readonly flatImage?: boolean;
  /** Output [N, 2C, H, W]: ε followed by C junk "variance" channels (a copy of x). */
  readonly learnedVariance?: boolean;
  /** Multiply the output by NaN. */
  readonly emitNaN?: boolean;
  /** Drop the last column of the output: 'declared' in the output shape, or 'undeclared' (dynamic dims). */
  readonly outputMismatch?: 'declared' | 'undeclared';
}

export interface GaussianModel {
  readonly bytes: Uint8Array;
  readonly alphasCumprod: Float64Array;
  /** The exact ε this model computes for pixel value x at integer timestep t. */
  exactEps(x: number, t: number): number;
}

/** metadata_props describing a schedule the way the bundled model does. */
export function scheduleMetadata(config: ScheduleConfig, predictionType: PredictionType = 'epsilon'): Record<string, string> {
  return {
    'diffusion.num_train_timesteps': String(config.numTrainTimesteps),
    'diffusion.beta_schedule': config.betaSchedule,
    'diffusion.beta_start': String(config.betaStart),
    'diffusion.beta_end': String(config.betaEnd),
    'diffusion.prediction_type': predictionType,
  };
}

/** ᾱ of a schedule, as float64. */
export const alphasCumprodOf = (config: ScheduleConfig) => makeSchedule(config).alphasCumprod;

/** Declares image + timestep inputs; returns the float32 [N, C, H, W] image value and the timestep value. */
function inputs(g: GraphWriter, o: ImageSpec, flat = false) {
  const C = o.channels ?? 1;
  const [H, W, N] = [o.height ?? 4, o.width ?? 4, o.batch ?? 'N'];
  const imageName = o.imageName ?? 'sample';
  const imageType = o.imageType ?? 'float32';
  const timestepName = o.timestepName ?? 'timestep';
  const tShape = { batch: [N], one: [1], scalar: [], column: [N, 1] }[o.timestepShape ?? 'batch'];
  let x = imageName;
  if (imageType !== 'float32') x = g.node('Cast', [x], { to: elemTypeCode('float32') });
  if (flat) x = g.node('Reshape', [x, g.int64Const([-1, C, H as number, W as number])]);
  const specs: ValueSpec[] = [
    { name: imageName, type: imageType, shape: flat ? [N, C * (H as number) * (W as number)] : [N, C, H, W] },
    { name: timestepName, type: o.timestepType ?? 'int64', shape: tShape },
    ...(o.extraInputs ?? []),
  ];
  return { x, t: timestepName, specs, C, H, W, N };
}

export function buildGaussianEpsModel(o: GaussianModelOptions): GaussianModel {
  const type = o.predictionType ?? 'epsilon';
  const alphasCumprod = Float64Array.from(o.alphasCumprod);
  const { P, Q } = gaussianOutputTables(alphasCumprod, o.mu, o.s, type);
  const g = new GraphWriter();
  const { x, t, specs, C, H, W, N } = inputs(g, o, o.flatImage);
  let index = t;
  const tType = o.timestepType ?? 'int64';
  if (tType !== 'int64' && tType !== 'int32') index = g.node('Cast', [g.node('Round', [t])], { to: elemTypeCode('int64') });
  const perImage = (table: Float64Array) =>
    g.node('Reshape', [g.node('Gather', [g.floatConst(table), index]), g.int64Const([-1, 1, 1, 1])]);
  let y = g.node('Add', [g.node('Mul', [x, perImage(P)]), perImage(Q)]);
  if (o.emitNaN) y = g.node('Mul', [y, g.floatConst([NaN], [])]);
  if (o.learnedVariance) y = g.node('Concat', [y, x], { axis: 1 });
  let outShape: Dim[] = [N, o.learnedVariance ? 2 * C : C, H, W];
  if (o.outputMismatch) {
    y = g.node('Slice', [y, g.int64Const([0]), g.int64Const([-1]), g.int64Const([3])]);
    outShape = o.outputMismatch === 'declared' && typeof W === 'number' ? [N, C, H, W - 1] : [N, 'oc', 'oh', 'ow'];
  }
  const output = o.outputName ?? 'noise_pred';
  g.node('Identity', [y], {}, output);
  const metadata = o.metadata ?? { 'diffusion.prediction_type': type };
  const bytes = g.build(specs, [{ name: output, type: 'float32', shape: outShape }], metadata);
  return { bytes, alphasCumprod, exactEps: (value, step) => exactGaussianEps(value, alphasCumprod[step], o.mu, o.s) };
}

/** A model whose output is the timestep it was fed (cast to float32), broadcast over [N, C, H, W]. */
export function buildTimestepEchoModel(o: ImageSpec = {}): Uint8Array {
  const g = new GraphWriter();
  const { x, t, specs, C, H, W, N } = inputs(g, o);
  const tFloat = g.node('Reshape', [g.node('Cast', [t], { to: elemTypeCode('float32') }), g.int64Const([-1, 1, 1, 1])]);
  const zero = g.node('Mul', [x, g.floatConst([0], [])]);
  g.node('Add', [zero, tFloat], {}, o.outputName ?? 'noise_pred');
  return g.build(specs, [{ name: o.outputName ?? 'noise_pred', type: 'float32', shape: [N, C, H, W] }], o.metadata ?? {});
}
