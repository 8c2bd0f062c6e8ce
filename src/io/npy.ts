/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), little-endian, C order, dtypes
 * float32 '<f4', float64 '<f8', int64 '<i8' and int32 '<i4'. Writes go through
 * {@link writeFileAtomic}, so an interrupted write never leaves a partial file.
 */
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from './atomicWrite';

export type NpyDtype = '<f4' | '<f8' | '<i8' | '<i4';
export type NpyData = Float32Array | Float64Array | BigInt64Array | Int32Array;

export interface NpyArray<D extends NpyData = NpyData> {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  readonly data: D;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const DTYPES: Record<NpyDtype, { bytes: number; make: (b: ArrayBuffer) => NpyData }> = {
  '<f4': { bytes: 4, make: (b) => new Float32Array(b) },
  '<f8': { bytes: 8, make: (b) => new Float64Array(b) },
  '<i8': { bytes: 8, make: (b) => new BigInt64Array(b) },
  '<i4': { bytes: 4, make: (b) => new Int32Array(b) },
};
const SUPPORTED = 'float32 <f4, float64 <f8, int64 <i8 or int32 <i4';

/** Parse the bytes of a .npy file; `name` (usually the path) is used in error messages. */
export function parseNpy(bytes: Uint8Array, name = 'the .npy data'): NpyArray {
  const fail = (what: string) => new Error(`${name} is not a readable .npy file: ${what}`);
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw fail('it does not start with the NumPy magic "\\x93NUMPY".');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw fail('the file is truncated inside its header.');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw fail(`format version ${major}.${bytes[7]} is not supported (versions 1, 2 and 3 are).`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw fail('the file is truncated inside its header.');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw fail(`its header lacks descr, fortran_order or shape: ${header.trim()}`);
  }
  if (fortran === 'True') {
    throw fail('it is stored in Fortran (column-major) order; save it in C order, e.g. np.save(path, np.ascontiguousarray(a)).');
  }
  if (!(descr in DTYPES)) {
    throw fail(`dtype '${descr}' is not supported; use ${SUPPORTED} (e.g. a.astype('<f4')).`);
  }
  const dtype = descr as NpyDtype;
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw fail(`its shape (${shapeText}) is not a tuple of sizes.`);
      return n;
    });
  const count = shape.reduce((a, b) => a * b, 1);
  const byteCount = count * DTYPES[dtype].bytes;
  const available = bytes.length - dataStart;
  if (available < byteCount) {
    throw fail(`it is truncated: shape (${shape.join(', ')}) needs ${byteCount} bytes of data but only ${available} are present.`);
  }
  // Copy into a fresh, aligned buffer (Buffer#slice would share memory, so copy explicitly).
  const copy = new Uint8Array(byteCount);
  copy.set(bytes.subarray(dataStart, dataStart + byteCount));
  const data = DTYPES[dtype].make(copy.buffer);
  return { dtype, shape, data };
}

/** Read a .npy file. Errors name the file and say what is wrong with it. */
export async function readNpy(path: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    throw new Error(`Could not read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseNpy(bytes, path);
}

/** The dtype that stores a typed array's elements. */
export function npyDtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof BigInt64Array) return '<i8';
  if (data instanceof Int32Array) return '<i4';
  throw new Error(`Cannot store ${Object.prototype.toString.call(data)} in a .npy file; use ${SUPPORTED}.`);
}

/** The bytes of a .npy file (version 1.0, or 2.0 when the header needs it) holding `data` with `shape`. */
export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  const dtype = npyDtypeOf(data);
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.some((n) => !Number.isInteger(n) || n < 0) || count !== data.length) {
    throw new Error(`Shape (${shape.join(', ')}) does not fit ${data.length} values.`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const version = dict.length + 11 < 65536 ? 1 : 2;
  const prefix = version === 1 ? 10 : 12;
  const padded = Math.ceil((prefix + dict.length + 1) / 64) * 64; // numpy aligns the data to 64 bytes
  const headerLength = padded - prefix;
  const header = dict + ' '.repeat(headerLength - dict.length - 1) + '\n';

  const out = new Uint8Array(padded + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), padded);
  return out;
}

/** Write a .npy file atomically (a failed write leaves any existing file untouched). */
export async function writeNpy(path: string, data: NpyData, shape: readonly number[]): Promise<void> {
  await writeFileAtomic(path, encodeNpy(data, shape));
}

/** The values of any supported .npy array as float32 (int64 values are converted with Number()). */
export function npyToFloat32(array: NpyArray): Float32Array {
  if (array.data instanceof Float32Array) return array.data;
  const out = new Float32Array(array.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(array.data[i]);
  return out;
}
