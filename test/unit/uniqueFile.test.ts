import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { candidateName, outputStem, writeNewFile } from '../../src/io/uniqueFile';

const bytes = (s: string) => new TextEncoder().encode(s);

test('file names: pndm-<sampler>-<N>steps-seed<seed>, then -1, -2…', () => {
  assert.equal(outputStem('f-pndm', 50, 0), 'pndm-f-pndm-50steps-seed0');
  assert.equal(outputStem('ddim', 10, 4294967295), 'pndm-ddim-10steps-seed4294967295');
  assert.equal(outputStem('a/b c', 1, 2), 'pndm-a_b_c-1steps-seed2');
  assert.equal(candidateName('x', '.png', 0), 'x.png');
  assert.equal(candidateName('x', '.png', 2), 'x-2.png');
});

test('writeNewFile never overwrites: existing names get -1, -2…, and no temporary file is left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pndm-unique-'));
  writeFileSync(join(dir, 'pndm-s.png'), 'original');
  const first = await writeNewFile(dir, 'pndm-s', '.png', bytes('one'));
  const second = await writeNewFile(dir, 'pndm-s', '.png', bytes('two'));
  assert.equal(first, join(dir, 'pndm-s-1.png'));
  assert.equal(second, join(dir, 'pndm-s-2.png'));
  assert.equal(readFileSync(join(dir, 'pndm-s.png'), 'utf8'), 'original');
  assert.equal(readFileSync(first, 'utf8'), 'one');
  assert.equal(readFileSync(second, 'utf8'), 'two');
  assert.deepEqual(readdirSync(dir).sort(), ['pndm-s-1.png', 'pndm-s-2.png', 'pndm-s.png']);
});

test('concurrent saves of the same name all land in distinct files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pndm-unique-'));
  const paths = await Promise.all(Array.from({ length: 8 }, (_, i) => writeNewFile(dir, 'grid', '.png', bytes(String(i)))));
  assert.equal(new Set(paths).size, 8);
  const contents = paths.map((p) => readFileSync(p, 'utf8')).sort();
  assert.deepEqual(contents, ['0', '1', '2', '3', '4', '5', '6', '7']);
  assert.equal(readdirSync(dir).length, 8);
});

test('a missing folder is created; running out of names is a clear error', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'pndm-unique-')), 'a', 'b');
  const written = await writeNewFile(dir, 'n', '.png', bytes('x'));
  assert.equal(written, join(dir, 'n.png'));
  await assert.rejects(writeNewFile(dir, 'n', '.png', bytes('y'), 1), /Could not find a free file name for n\.png/);
  assert.deepEqual(readdirSync(dir), ['n.png']);
});
