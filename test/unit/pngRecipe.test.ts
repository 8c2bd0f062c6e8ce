// One PNG format for the CLI and the panel: the recipe as UTF-8 iTXt, read back by readPngSettings
// (which the panel's "open settings from PNG" uses too); bad PNGs are refused with a reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { crc32 } from '../../src/runner/crc32';
import { encodeGridPng, PNG_SIGNATURE } from '../../src/runner/png';
import { PngTextError, readPngSettings, readPngText } from '../../src/runner/pngText';
import { recipeOf, recipePngText } from '../../src/runner/recipe';
import { DEFAULT_SETTINGS } from '../../src/sampler';

const shape = { channels: 1, height: 4, width: 4 };
const pixels = new Float32Array(2 * 16).map((_, i) => Math.cos(i));

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + head.length);
  out.writeUInt32BE(data.length, 0);
  head.copy(out, 4);
  out.writeUInt32BE(crc32(head), 4 + head.length);
  return out;
}

test('the recipe and summary line survive in UTF-8 (tEXt turned them into "?"), with no path and no noise key', () => {
  const recipe = recipeOf({
    settings: { ...DEFAULT_SETTINGS, sampler: 'ddim', steps: 7, options: { ...DEFAULT_SETTINGS.options, eta: 0.5 } },
    samples: 2,
    seed: 3,
    ep: 'cpu',
    modelPath: '/home/ada/模型/ε-net ✓.onnx',
    modelSha256: 'ab'.repeat(32),
  });
  const line = 'DDIM, 7 steps (η = 0.5), 2 samples: 7 model calls on cpu';
  const png = encodeGridPng(pixels, 2, shape, recipePngText(recipe, line));
  const text = readPngText(png);
  assert.equal(text.Comment, line);
  assert.equal(text.Title, 'DDIM samples of ε-net ✓.onnx');
  const read = readPngSettings(png);
  assert.deepEqual(read, { ...recipe });
  assert.equal(read.model, 'ε-net ✓.onnx');
  assert.ok(!JSON.stringify(text).includes('/home/ada'), 'no folder of the maker');
  assert.ok(!('noise' in read));
  assert.deepEqual(Object.keys(read), [
    'sampler',
    'steps',
    'samples',
    'seed',
    'spacing',
    'eta',
    'variance',
    'tolerance',
    'ep',
    'model',
    'modelSha256',
  ]);
});

test('readPngSettings reads compressed iTXt and the tEXt chunks older saves wrote', () => {
  const grid = encodeGridPng(pixels, 2, shape);
  const iend = grid.length - 12;
  const withChunk = (c: Buffer) => Buffer.concat([grid.subarray(0, iend), c, grid.subarray(iend)]);
  const compressed = Buffer.concat([
    Buffer.from('pndm.settings\0\x01\0\0\0', 'latin1'),
    deflateSync(Buffer.from('{"sampler":"pf","model":"ü.onnx"}')),
  ]);
  assert.deepEqual(readPngSettings(withChunk(chunk('iTXt', compressed))), { sampler: 'pf', model: 'ü.onnx' });
  const panelTExt = Buffer.from('pndm-settings\0{"sampler":"ddim","steps":5}', 'latin1');
  assert.deepEqual(readPngSettings(withChunk(chunk('tEXt', panelTExt))), { sampler: 'ddim', steps: 5 });
});

test('readPngSettings refuses what is not a saved run, saying why', () => {
  const grid = encodeGridPng(pixels, 2, shape, { Comment: 'hello' });
  const cases: [Uint8Array, RegExp][] = [
    [Buffer.from('{"sampler":"ddim"}'), /^it is not a PNG file$/],
    [grid, /^it holds no pndm\.settings text: it was not saved by pndm sample or the PNDM panel$/],
    [grid.subarray(0, 40), /^it ends before its IEND chunk \(a truncated PNG\)$/],
    [grid.subarray(0, 60), /^its iTXt chunk runs past the end of the file \(a truncated PNG\)$/],
    [encodeGridPng(pixels, 2, shape, { 'pndm.settings': '{"sampler":' }), /^its pndm\.settings text is not JSON/],
    [encodeGridPng(pixels, 2, shape, { 'pndm.settings': '[1,2]' }), /^its pndm\.settings text is not a JSON object$/],
  ];
  for (const [bytes, message] of cases)
    assert.throws(
      () => readPngSettings(bytes),
      (e: unknown) => e instanceof PngTextError && message.test(e.message),
    );
  assert.ok(PNG_SIGNATURE.equals(grid.subarray(0, 8)));
});
