// PNG chunk CRCs computed by our own table (zlib.crc32 is missing on Node 20.9, which the package admits).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { crc32 } from '../../src/runner/crc32';
import { encodeGridPng } from '../../src/runner/png';

test('crc32 gives the check values of CRC-32/ISO-HDLC', () => {
  assert.equal(crc32(Buffer.from('123456789', 'latin1')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  // the CRC of an empty IEND chunk's type, as every PNG ends with it
  assert.equal(crc32(Buffer.from('IEND', 'latin1')), 0xae426082);
});

test('crc32 continues over pieces as over the whole', () => {
  const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 131 + 7) & 0xff));
  assert.equal(crc32(bytes.subarray(300), crc32(bytes.subarray(0, 300))), crc32(bytes));
});

test('crc32 matches zlib.crc32 where this Node has it', (t) => {
  const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  if (!native) return t.skip(`zlib.crc32 is missing on Node ${process.version}`);
  for (const length of [1, 7, 64, 4097]) {
    const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 2654435761) >>> 24));
    assert.equal(crc32(bytes), native(bytes), `length ${length}`);
  }
});

test('encodeGridPng works on a Node without zlib.crc32 (as Node 20.9), with valid chunk CRCs', () => {
  // the module object itself (an ES import of it is a read-only view), as png.ts reads it at call time
  const z = createRequire(__filename)('node:zlib') as { crc32?: unknown };
  const saved = z.crc32;
  z.crc32 = undefined; // what Node < 20.15 has
  let png: Buffer;
  try {
    png = encodeGridPng(new Float32Array(4 * 16).fill(0.5), 4, { channels: 1, height: 4, width: 4 }, { Comment: 'x' });
  } finally {
    z.crc32 = saved;
  }
  let chunks = 0;
  for (let at = 8; at < png.length; chunks++) {
    const length = png.readUInt32BE(at);
    assert.equal(png.readUInt32BE(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)), `chunk ${chunks}`);
    at += 12 + length;
  }
  assert.ok(chunks >= 4);
});
