/**
 * Just enough of the zip format to read a .vsix in a test without an unzip tool: the central directory
 * (every entry's name) and one entry's bytes (stored or deflated).
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeader: number;
}

export function readZip(path: string): { entries: ZipEntry[]; read(name: string): Buffer } {
  const zip = readFileSync(path);
  // The end-of-central-directory record: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${path} is not a zip file (no end of central directory).`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let k = 0; k < count; k++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${path}: bad central directory entry ${k}.`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    entries.push({
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      localHeader: zip.readUInt32LE(at + 42),
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return {
    entries,
    read(name: string): Buffer {
      const e = entries.find((x) => x.name === name);
      if (!e) throw new Error(`${path} has no entry ${name}.`);
      const h = e.localHeader;
      const start = h + 30 + zip.readUInt16LE(h + 26) + zip.readUInt16LE(h + 28);
      const data = zip.subarray(start, start + e.compressedSize);
      return e.method === 0 ? Buffer.from(data) : inflateRawSync(data);
    },
  };
}
