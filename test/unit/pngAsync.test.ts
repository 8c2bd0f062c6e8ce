// Save compresses off the extension host's thread: the async encoder gives the very bytes of the sync one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeGridPng, encodeGridPngAsync } from '../../src/runner/png';

test('encodeGridPngAsync writes the same PNG as encodeGridPng', async () => {
  const shape = { channels: 1, height: 8, width: 8 };
  const x = new Float32Array(10 * 64).map((_, i) => Math.sin(i * 0.37));
  const text = { 'pndm-settings': '{"sampler":"ddim"}', Description: 'DDIM, 5 steps' };
  assert.deepEqual(await encodeGridPngAsync(x, 10, shape, text), encodeGridPng(x, 10, shape, text));
});
