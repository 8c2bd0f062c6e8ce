/**
 * Sample grids as PNG (ISO/IEC 15948): 8-bit grey for one channel, RGB for three, with the run's
 * settings as iTXt chunks (UTF-8, so any model name survives; src/runner/pngText.ts reads them). Values in the model's range [−1, 1] map to 0..255 (clipped).
 */
import { promisify } from 'node:util';
import { deflate, deflateSync } from 'node:zlib';
import type { ImageShape } from '../sampler';
import { crc32 } from './crc32';

/** Columns of the grid for `count` images: ⌈√count⌉ (9 for 81). */
export function gridColumns(count: number): number {
  return Math.ceil(Math.sqrt(count));
}

/** Images [count, C, H, W] tiled row-major into one [rows·H, cols·W] image with `gap` mid-grey pixels between. */
export function tileGrid(
  x: Float32Array,
  count: number,
  shape: ImageShape,
  gap = 2,
): { pixels: Uint8Array; width: number; height: number; channels: number } {
  const { channels, height, width } = shape;
  if (channels !== 1 && channels !== 3) {
    throw new Error(`Only 1- or 3-channel images can be saved as PNG; this model makes ${channels} channels.`);
  }
  const cols = gridColumns(count);
  const rows = Math.ceil(count / cols);
  const W = cols * width + (cols - 1) * gap;
  const H = rows * height + (rows - 1) * gap;
  const pixels = new Uint8Array(W * H * channels).fill(128);
  const plane = height * width;
  for (let k = 0; k < count; k++) {
    const ox = (k % cols) * (width + gap);
    const oy = Math.floor(k / cols) * (height + gap);
    for (let c = 0; c < channels; c++) {
      const base = (k * channels + c) * plane;
      for (let y = 0; y < height; y++) {
        for (let xi = 0; xi < width; xi++) {
          const v = x[base + y * width + xi];
          pixels[((oy + y) * W + ox + xi) * channels + c] = toByte(v);
        }
      }
    }
  }
  return { pixels, width: W, height: H, channels };
}

/** [−1, 1] → 0..255, rounded, clipped; NaN → 0. */
export function toByte(v: number): number {
  const b = Math.round(((v + 1) / 2) * 255);
  return b > 255 ? 255 : b >= 0 ? b : 0;
}

export function encodeGridPng(x: Float32Array, count: number, shape: ImageShape, text: Record<string, string> = {}): Buffer {
  const { raw, chunks } = pngParts(x, count, shape, text);
  return finishPng(chunks, deflateSync(raw, { level: 9 }));
}

const deflateAsync = promisify(deflate);

/**
 * The same bytes as {@link encodeGridPng}, with the compression (most of the time: ~70 ms for a
 * 1024-image grid) on libuv's thread pool, so that the extension host's thread stays responsive.
 */
export async function encodeGridPngAsync(
  x: Float32Array,
  count: number,
  shape: ImageShape,
  text: Record<string, string> = {},
): Promise<Buffer> {
  const { raw, chunks } = pngParts(x, count, shape, text);
  return finishPng(chunks, await deflateAsync(raw, { level: 9 }));
}

/** The filtered scanlines to compress, and the chunks before IDAT. */
function pngParts(x: Float32Array, count: number, shape: ImageShape, text: Record<string, string>): { raw: Buffer; chunks: Buffer[] } {
  const { pixels, width, height, channels } = tileGrid(x, count, shape);
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = channels === 1 ? 0 : 2; // grey or RGB
  const chunks = [chunk('IHDR', header)];
  for (const [key, value] of Object.entries(text)) chunks.push(chunk('iTXt', itxt(key, value)));
  return { raw, chunks };
}

/** An uncompressed iTXt chunk's data (PNG spec 11.3.4.5); keywords are Latin-1, 1–79 characters. */
function itxt(key: string, value: string): Buffer {
  const keyword = key.replace(/[^\x20-\x7e]/g, '_').slice(0, 79) || 'Comment';
  // keyword NUL, compression flag 0 and method 0, empty language tag NUL, empty translated keyword NUL
  return Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(value, 'utf8')]);
}

function finishPng(chunks: Buffer[], compressed: Buffer): Buffer {
  return Buffer.concat([PNG_SIGNATURE, ...chunks, chunk('IDAT', compressed), chunk('IEND', Buffer.alloc(0))]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
