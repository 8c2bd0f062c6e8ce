import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';

/** A decoded 8-bit grey or RGB PNG: size, tEXt and iTXt entries and raw rows (enough to check what we write). */
export function decodePng(png: Buffer): { width: number; height: number; channels: number; text: Record<string, string>; pixels: Buffer } {
  if (png.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('not a PNG: bad signature');
  const text: Record<string, string> = {};
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  let channels = 0;
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      channels = data[9] === 0 ? 1 : data[9] === 2 ? 3 : NaN;
    } else if (type === 'tEXt') {
      const nul = data.indexOf(0);
      text[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
    } else if (type === 'iTXt') {
      // keyword NUL, flag, method, language NUL, translated keyword NUL, UTF-8 text (uncompressed only here)
      const nul = data.indexOf(0);
      assert.equal(data[nul + 1], 0, 'iTXt written uncompressed');
      const language = data.indexOf(0, nul + 3);
      const translated = data.indexOf(0, language + 1);
      text[data.toString('latin1', 0, nul)] = data.toString('utf8', translated + 1);
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== (stride + 1) * height) throw new Error(`PNG data holds ${raw.length} bytes, expected ${(stride + 1) * height}`);
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) raw.copy(pixels, y * stride, y * (stride + 1) + 1, (y + 1) * (stride + 1));
  return { width, height, channels, text, pixels };
}
