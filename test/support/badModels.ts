/**
 * ONNX models and files that are wrong in one way each, for the bad-input tests of the adapter, the
 * CLI and the extension (test/unit/badInput*.test.ts, test/integration/badInput*.test.ts). Written with
 * the GraphWriter; no onnxruntime import, so the integration tests can use them in the extension host.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_SCHEDULE, type ScheduleConfig } from '../../src/sampler/schedule';
import { alphasCumprodOf, buildGaussianEpsModel, scheduleMetadata, type GaussianModelOptions } from './onnxBuilder';
import { GraphWriter } from './onnxGraph';
import { bundledModel } from './paths';

export interface SmallShape {
  readonly channels?: number;
  readonly height?: number;
  readonly width?: number;
  /** The schedule written to the metadata (default: DDPM's, T = 1000). */
  readonly schedule?: ScheduleConfig;
}

/** The exact Gaussian ε-model with the default schedule, varied by `o` (a well-formed model unless `o` breaks it). */
export function gaussianBytes(o: Partial<GaussianModelOptions> & { readonly schedule?: ScheduleConfig } = {}): Uint8Array {
  const schedule = o.schedule ?? DEFAULT_SCHEDULE;
  return buildGaussianEpsModel({
    mu: 0.2,
    s: 0.5,
    alphasCumprod: alphasCumprodOf(schedule),
    metadata: scheduleMetadata(schedule),
    ...o,
  }).bytes;
}

function image(o: SmallShape) {
  const [C, H, W] = [o.channels ?? 1, o.height ?? 4, o.width ?? 4];
  const schedule = o.schedule ?? DEFAULT_SCHEDULE;
  const inputs = [
    { name: 'sample', type: 'float32' as const, shape: ['N', C, H, W] },
    { name: 'timestep', type: 'int64' as const, shape: ['N'] },
  ];
  const outputs = [{ name: 'noise_pred', type: 'float32' as const, shape: ['N', C, H, W] }];
  return { C, H, W, inputs, outputs, metadata: scheduleMetadata(schedule), T: schedule.numTrainTimesteps };
}

/**
 * ε[n] = table[t[n]] for every pixel (x·0 + table[t]). A table with NaN or ±Inf below some t makes a
 * model that goes non-finite part-way through a run, at a step the test knows.
 */
export function tableModel(valueAt: (t: number) => number, o: SmallShape = {}): Uint8Array {
  const g = new GraphWriter();
  const io = image(o);
  const table = Float64Array.from({ length: io.T }, (_, t) => valueAt(t));
  const perImage = g.node('Reshape', [g.node('Gather', [g.floatConst(table), 'timestep']), g.int64Const([-1, 1, 1, 1])]);
  g.node('Add', [g.node('Mul', ['sample', g.floatConst([0], [])]), perImage], {}, 'noise_pred');
  return g.build(io.inputs, io.outputs, io.metadata);
}

/**
 * A model that loads, and runs for one image, but throws inside onnxruntime for any larger batch:
 * its output is reshaped to the constant shape [1, C, H, W].
 */
export function batchOfOneModel(o: SmallShape = {}): Uint8Array {
  const g = new GraphWriter();
  const io = image(o);
  const scaled = g.node('Mul', ['sample', g.floatConst([0.1], [])]);
  g.node('Reshape', [scaled, g.int64Const([1, io.C, io.H, io.W])], {}, 'noise_pred');
  return g.build(io.inputs, io.outputs, io.metadata);
}

/** A model that loads but throws inside onnxruntime at every call with t ≥ 10: a Gather from a 10-entry table. */
export function outOfRangeGatherModel(o: SmallShape = {}): Uint8Array {
  const g = new GraphWriter();
  const io = image(o);
  const perImage = g.node('Reshape', [g.node('Gather', [g.floatConst(new Array(10).fill(0.1)), 'timestep']), g.int64Const([-1, 1, 1, 1])]);
  g.node('Add', [g.node('Mul', ['sample', g.floatConst([0], [])]), perImage], {}, 'noise_pred');
  return g.build(io.inputs, io.outputs, io.metadata);
}

/** xorshift32 bytes: the same "random" file for the same seed. */
export function randomBytes(length: number, seed = 12345): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

/** The bundled model cut after `bytes` bytes (a download that stopped); `bundled` is its path (default: the repository's). */
export const truncatedBundledModel = (bytes = 5000, bundled = bundledModel()): Uint8Array => readFileSync(bundled).subarray(0, bytes);

/**
 * Broken model files, each with the message the adapter gives for it (matched against the whole
 * message; `%` stands for the file's path). Used by the unit, CLI and extension tests alike.
 */
export interface BadFile {
  readonly name: string;
  readonly file: string;
  /** The file's content; `bundled` is the bundled model's path (the extension host's working folder is not the repository). */
  readonly bytes: (bundled: string) => Uint8Array;
  readonly message: RegExp;
}

export const BAD_FILES: readonly BadFile[] = [
  {
    name: 'an empty .onnx',
    file: 'empty.onnx',
    bytes: () => new Uint8Array(0),
    message: /^The model file .*empty\.onnx is empty \(0 bytes\); the download or export probably failed\. Export or download it again\.$/,
  },
  {
    name: 'a truncated .onnx (the bundled model cut at 5000 bytes)',
    file: 'truncated.onnx',
    bytes: (bundled) => truncatedBundledModel(5000, bundled),
    message:
      /^.*truncated\.onnx is not an ONNX model \(it does not parse as an ONNX ModelProto: field 7 runs past the end \(byte \d+ of 5000\)\)\. Choose an \.onnx file, e\.g\. one exported with torch\.onnx\.export/,
  },
  {
    name: 'random bytes named .onnx',
    file: 'random.onnx',
    bytes: () => randomBytes(4096),
    message: /^.*random\.onnx is not an ONNX model \(it does not parse as an ONNX ModelProto: .+\)\. Choose an \.onnx file/,
  },
  {
    name: 'a text file renamed .onnx',
    file: 'notes.onnx',
    bytes: () => new TextEncoder().encode('These are my notes about the model, not the model.\n'),
    message: /^.*notes\.onnx is not an ONNX model \(it does not parse as an ONNX ModelProto: .+\)\. Choose an \.onnx file/,
  },
];
