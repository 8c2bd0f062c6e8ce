import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { diffusersFolderOf, isOnnxFile, modelTargetOf } from '../../src/extension/modelTarget';
import type { RunSettings } from '../../src/protocol';
import { changedSettings } from '../../webview/settingsMerge';

const base: RunSettings = {
  sampler: 'f-pndm',
  steps: 50,
  samples: 81,
  seed: 0,
  spacing: 'leading',
  eta: 0,
  provider: 'auto',
  preview: 'x0',
};

test('a settings change touches only the controls whose setting changed (typed values in the others survive)', () => {
  assert.deepEqual(changedSettings(base, { ...base, provider: 'cpu' }), { provider: 'cpu' });
  assert.deepEqual(changedSettings(base, { ...base, steps: 20, eta: 0.5 }), { steps: 20, eta: 0.5 });
  assert.deepEqual(changedSettings(base, { ...base }), {});
  assert.deepEqual(changedSettings(undefined, base), base, 'with no previous host settings every control is written');
});

test('.onnx in any case is a model file; other extensions are not', () => {
  for (const f of ['/m/a.onnx', '/m/A.ONNX', 'C:\\m\\b.Onnx']) assert.equal(isOnnxFile(f), true, f);
  for (const f of ['/m/a.onnx.json', '/m/onnx', '/m/a.pt']) assert.equal(isOnnxFile(f), false, f);
});

test('a diffusers folder opens its unet/model.onnx; a folder without one is refused with what to do', () => {
  const root = mkdtempSync(join(tmpdir(), 'pndm-diffusers-'));
  const pipe = join(root, 'ddpm-cifar');
  mkdirSync(join(pipe, 'unet'), { recursive: true });
  mkdirSync(join(pipe, 'scheduler'));
  writeFileSync(join(pipe, 'model_index.json'), '{}');
  writeFileSync(join(pipe, 'unet', 'model.onnx'), 'x');
  assert.deepEqual(modelTargetOf(pipe), { ok: true, modelPath: join(pipe, 'unet', 'model.onnx') });
  assert.deepEqual(modelTargetOf(join(pipe, 'unet', 'model.onnx')), { ok: true, modelPath: join(pipe, 'unet', 'model.onnx') });
  assert.equal(diffusersFolderOf(join(pipe, 'model_index.json')), pipe);
  assert.equal(diffusersFolderOf(join(pipe, 'unet', 'model.onnx')), pipe);
  const empty = join(root, 'empty');
  mkdirSync(empty);
  writeFileSync(join(empty, 'model_index.json'), '{}');
  const refused = modelTargetOf(empty);
  assert.equal(refused.ok, false);
  assert.match(!refused.ok ? refused.error : '', /has no unet\/model\.onnx .*: export the UNet to ONNX, or pick an \.onnx file\.$/);
  const missing = modelTargetOf(join(root, 'nope'));
  assert.match(!missing.ok ? missing.error : '', /does not exist: pick an existing \.onnx file or diffusers folder\.$/);
});
