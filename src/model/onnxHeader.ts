/**
 * A minimal protobuf reader for the top level of an ONNX ModelProto: ir_version (1), producer_name (2),
 * producer_version (3), graph (7, only its presence and size), opset_import (8) and metadata_props (14).
 * onnxruntime-node does not expose a model's metadata_props, and the extension cannot depend on a
 * protobuf package at run time. The file is read with positioned reads, so the graph (the weights)
 * is skipped rather than loaded.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface OnnxHeader {
  readonly irVersion?: number;
  readonly producerName?: string;
  readonly producerVersion?: string;
  /** opset per domain ('' = the default ai.onnx domain). */
  readonly opsets: Readonly<Record<string, number>>;
  /** ModelProto.metadata_props as a plain object (a later duplicate key wins). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly graphBytes: number;
}

/** Thrown when the bytes are not a protobuf ModelProto; the message says what was found. */
export class NotOnnxError extends Error {}

interface Field {
  readonly number: number;
  readonly wire: number;
  /** Varint value (wire 0), or the start of the payload (wire 1, 2, 5). */
  readonly value: number;
  readonly length: number;
  /** Offset just past the field. */
  readonly end: number;
}

/** Read one field (tag + payload position) at `offset` of a source of `size` bytes. */
function readField(peek: (offset: number, length: number) => Uint8Array, offset: number, size: number): Field {
  const varint = (at: number): [number, number] => {
    const bytes = peek(at, Math.min(10, size - at));
    let result = 0;
    for (let i = 0; i < bytes.length; i++) {
      result += (bytes[i] & 0x7f) * 2 ** (7 * i);
      if ((bytes[i] & 0x80) === 0) return [result, at + i + 1];
    }
    throw new NotOnnxError(`bad varint at byte ${at}`);
  };
  const [tag, afterTag] = varint(offset);
  const number = Math.floor(tag / 8);
  const wire = tag % 8;
  if (number === 0) throw new NotOnnxError(`field number 0 at byte ${offset}`);
  let value = afterTag;
  let length = 0;
  if (wire === 0) {
    const [v, next] = varint(afterTag);
    value = v;
    length = next - afterTag;
  } else if (wire === 1) length = 8;
  else if (wire === 5) length = 4;
  else if (wire === 2) [length, value] = varint(afterTag);
  else throw new NotOnnxError(`unsupported wire type ${wire} at byte ${offset}`);
  const end = wire === 0 ? afterTag + length : value + length;
  if (end > size) throw new NotOnnxError(`field ${number} runs past the end (byte ${end} of ${size})`);
  return { number, wire, value, length, end };
}

/** All fields of an in-memory message. */
function fieldsOf(bytes: Uint8Array): Field[] {
  const peek = (at: number, length: number) => bytes.subarray(at, at + length);
  const fields: Field[] = [];
  for (let at = 0; at < bytes.length;) {
    const field = readField(peek, at, bytes.length);
    fields.push(field);
    at = field.end;
  }
  return fields;
}

const utf8 = new TextDecoder('utf-8');

function stringsOf(bytes: Uint8Array, wanted: Record<number, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fieldsOf(bytes)) {
    if (f.wire === 2 && wanted[f.number]) out[wanted[f.number]] = utf8.decode(bytes.subarray(f.value, f.value + f.length));
  }
  return out;
}

/** Parse the top level of an ONNX file. Throws {@link NotOnnxError} when it is not a ModelProto. */
export function readOnnxHeader(path: string): OnnxHeader {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const peek = (at: number, length: number): Uint8Array => {
      const buffer = Buffer.alloc(length);
      const n = readSync(fd, buffer, 0, length, at);
      return buffer.subarray(0, n);
    };
    let irVersion: number | undefined;
    let producerName: string | undefined;
    let producerVersion: string | undefined;
    let graphBytes = -1;
    const opsets: Record<string, number> = {};
    const metadata: Record<string, string> = {};
    for (let at = 0; at < size;) {
      const f = readField(peek, at, size);
      const payload = () => peek(f.value, f.length);
      if (f.number === 1 && f.wire === 0) irVersion = f.value;
      else if (f.number === 2 && f.wire === 2) producerName = utf8.decode(payload());
      else if (f.number === 3 && f.wire === 2) producerVersion = utf8.decode(payload());
      else if (f.number === 7 && f.wire === 2) graphBytes = f.length;
      else if (f.number === 8 && f.wire === 2) {
        const bytes = payload();
        const domain = stringsOf(bytes, { 1: 'domain' }).domain ?? '';
        const version = fieldsOf(bytes).find((g) => g.number === 2 && g.wire === 0)?.value;
        if (version !== undefined) opsets[domain] = version;
      } else if (f.number === 14 && f.wire === 2) {
        const entry = stringsOf(payload(), { 1: 'key', 2: 'value' });
        if (entry.key !== undefined) metadata[entry.key] = entry.value ?? '';
      }
      at = f.end;
    }
    if (graphBytes < 0) throw new NotOnnxError('it has no graph (ModelProto field 7)');
    return { irVersion, producerName, producerVersion, opsets, metadata, graphBytes };
  } finally {
    closeSync(fd);
  }
}
