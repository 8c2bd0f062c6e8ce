/**
 * NumPy `.npz` archives (a zip of .npy members, as np.savez / np.savez_compressed write them): enough
 * of the zip format to read pytorch-fid's statistics files (`mu`, `sigma`) and to write our own.
 * Reads stored and deflated members, zip64 sizes included (numpy forces zip64 local headers).
 */
import { promises as fs } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { encodeNpy, parseNpy, writeFileAtomic, type NpyArray, type NpyData } from '../io';
import { crc32 } from '../runner/crc32';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The .npy members of an .npz, by name without ".npy". */
export function parseNpz(bytes: Uint8Array, name = 'the .npz data'): Map<string, NpyArray> {
  const fail = (what: string) => new Error(`${name} is not a readable .npz file: ${what}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 65535); at--) {
    if (view.getUint32(at, true) === EOCD) {
      end = at;
      break;
    }
  }
  if (end < 0) throw fail('no zip directory found (is it an .npz written by numpy.savez?).');
  const entries = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const members = new Map<string, NpyArray>();
  for (let e = 0; e < entries; e++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) throw fail('its zip directory is damaged.');
    const method = view.getUint16(at + 10, true);
    let compressed = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let offset = view.getUint32(at + 42, true);
    const member = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // zip64: the 0xFFFFFFFF fields follow in order in the extra field with id 1
    for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength;) {
      const id = view.getUint16(x, true);
      const length = view.getUint16(x + 2, true);
      if (id === 1) {
        let y = x + 4;
        const next = () => {
          const v = Number(view.getBigUint64(y, true));
          y += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressed === 0xffffffff) compressed = next();
        if (offset === 0xffffffff) offset = next();
      }
      x += 4 + length;
    }
    at += 46 + nameLength + extraLength + commentLength;
    if (offset + 30 > bytes.length || view.getUint32(offset, true) !== LOCAL) throw fail(`member ${member} is damaged.`);
    const start = offset + 30 + view.getUint16(offset + 26, true) + view.getUint16(offset + 28, true);
    const raw = bytes.subarray(start, start + compressed);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) data = inflateRawSync(raw);
    else throw fail(`member ${member} uses zip compression method ${method}; save it with numpy.savez or savez_compressed.`);
    if (data.length !== size) throw fail(`member ${member} is truncated.`);
    if (member.endsWith('.npy')) members.set(member.slice(0, -4), parseNpy(data, `${name}:${member}`));
  }
  return members;
}

export async function readNpz(path: string): Promise<Map<string, NpyArray>> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    throw new Error(`Could not read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseNpz(bytes, path);
}

/** An .npz with stored (uncompressed) members, which numpy.load reads; written atomically. */
export function encodeNpz(arrays: Readonly<Record<string, { data: NpyData; shape: readonly number[] }>>): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [key, { data, shape }] of Object.entries(arrays)) {
    const name = new TextEncoder().encode(`${key}.npy`);
    const body = encodeNpy(data, shape);
    const crc = crc32(body);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, LOCAL, true);
    lv.setUint16(4, 20, true); // version needed
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, body.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, CENTRAL, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, body.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local, body);
    centrals.push(central);
    offset += local.length + body.length;
  }
  const directorySize = centrals.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, EOCD, true);
  ev.setUint16(8, centrals.length, true);
  ev.setUint16(10, centrals.length, true);
  ev.setUint32(12, directorySize, true);
  ev.setUint32(16, offset, true);
  const parts = [...locals, ...centrals, end];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export async function writeNpz(path: string, arrays: Readonly<Record<string, { data: NpyData; shape: readonly number[] }>>): Promise<void> {
  await writeFileAtomic(path, encodeNpz(arrays));
}
