/** A model input or output as plain data, and how messages describe it. */
import type * as ort from 'onnxruntime-node';

/** A fixed size, or the name of a symbolic (dynamic) axis. */
export type Dim = number | string;

export interface TensorInfo {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly Dim[];
}

/** The TensorInfo of an input or output; non-tensor values (sequences, maps) are refused. */
export function tensorInfo(m: ort.InferenceSession.ValueMetadata, path: string, what: string): TensorInfo {
  if (!m.isTensor) throw new Error(`The ${what} "${m.name}" of ${path} is not a tensor; only tensor inputs and outputs are supported.`);
  return { name: m.name, dtype: m.type, shape: [...m.shape] };
}

/** `"sample" (float32 [N, 1, 32, 32])` */
export const describeTensor = (t: TensorInfo) =>
  `"${t.name}" (${t.dtype} [${t.shape.map((d) => (typeof d === 'number' ? d : d || '?')).join(', ')}])`;

/** Whether an axis has a fixed size. */
export const fixed = (d: Dim | undefined): d is number => typeof d === 'number' && d > 0;
