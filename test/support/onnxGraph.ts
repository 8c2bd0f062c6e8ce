/**
 * A tiny ONNX graph writer for tests, on top of the `onnx-proto` protobuf classes (a devDependency).
 * Enough for small element-wise graphs: typed inputs/outputs with symbolic dims, constant initializers,
 * nodes with int/float attributes, and metadata_props.
 */
import { onnx } from 'onnx-proto';

export type ElemType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'bool';
export type Dim = number | string;

const ELEM: Record<ElemType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
};

export interface ValueSpec {
  readonly name: string;
  readonly type: ElemType;
  /** Dims: a number is fixed, a string is symbolic; undefined: unknown rank. */
  readonly shape?: readonly Dim[];
}

export const elemTypeCode = (type: ElemType) => ELEM[type];

export class GraphWriter {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private counter = 0;

  /** A fresh value name. */
  fresh(prefix = 'v'): string {
    return `${prefix}_${this.counter++}`;
  }

  floatConst(values: ArrayLike<number>, dims: readonly number[] = [values.length], name = this.fresh('const')): string {
    this.initializers.push({ name, dataType: ELEM.float32, dims: [...dims], floatData: Array.from(values) });
    return name;
  }

  int64Const(values: readonly number[], dims: readonly number[] = [values.length], name = this.fresh('const')): string {
    this.initializers.push({ name, dataType: ELEM.int64, dims: [...dims], int64Data: [...values] });
    return name;
  }

  /** Add a node; returns its output name. Attributes are integers (INT) or integer lists (INTS). */
  node(
    op: string,
    inputs: readonly string[],
    attributes: Record<string, number | number[]> = {},
    output = this.fresh(op.toLowerCase()),
  ): string {
    const attribute = Object.entries(attributes).map(([name, value]): onnx.IAttributeProto => {
      if (Array.isArray(value)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: value };
      return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
    });
    this.nodes.push({ opType: op, input: [...inputs], output: [output], name: this.fresh(op), attribute });
    return output;
  }

  /** Serialise as a ModelProto (IR 8, opset 17). */
  build(inputs: readonly ValueSpec[], outputs: readonly ValueSpec[], metadata: Record<string, string> = {}): Uint8Array {
    const model = onnx.ModelProto.fromObject({
      irVersion: 8,
      producerName: 'pndm-sampler-tests',
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'test_graph',
        node: this.nodes,
        initializer: this.initializers,
        input: inputs.map(valueInfo),
        output: outputs.map(valueInfo),
      },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(spec: ValueSpec): onnx.IValueInfoProto {
  const shape = spec.shape ? { dim: spec.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined;
  return { name: spec.name, type: { tensorType: { elemType: ELEM[spec.type], shape } } };
}
