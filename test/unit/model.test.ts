/**
 * The bundled ε-model through the ONNX adapter: it reproduces the reference noise predictions,
 * reports what it found, and gives the same ε whatever the batch chunking.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openOnnxModel } from '../../src/model/onnxModel';
import { npyToFloat32, readNpy } from '../../src/io/npy';
import { readOnnxHeader } from '../../src/model/onnxHeader';
import { onnx } from 'onnx-proto';
import { readFileSync } from 'node:fs';
import { bundledModel, referenceFile } from '../support/paths';

const PER = 32 * 32;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('the bundled model reproduces onnx_check_noise_pred to 1e-5', async () => {
  const model = await openOnnxModel(bundledModel(), { provider: 'cpu' });
  try {
    const sample = await readNpy(referenceFile('onnx_check_sample.npy'));
    const timesteps = await readNpy(referenceFile('onnx_check_timestep.npy'));
    const expected = await readNpy(referenceFile('onnx_check_noise_pred.npy'));
    assert.deepEqual(sample.shape, [4, 1, 32, 32]);
    assert.equal(timesteps.dtype, '<i8');
    const x = npyToFloat32(sample);
    const want = npyToFloat32(expected);
    let worst = 0;
    for (let k = 0; k < 4; k++) {
      const t = Number((timesteps.data as BigInt64Array)[k]);
      const eps = await model.eps(x.slice(k * PER, (k + 1) * PER), t);
      worst = Math.max(worst, maxAbsDiff(eps, want.subarray(k * PER, (k + 1) * PER)));
    }
    assert.ok(worst <= 1e-5, `max |diff| = ${worst}`);
    assert.equal(model.calls, 4);
    assert.equal(model.runs, 4);
    assert.ok(model.modelMs > 0);
  } finally {
    await model.dispose();
  }
});

test('the bundled model reports its inputs, schedule and provider', async () => {
  const model = await openOnnxModel(bundledModel(), { provider: 'cpu' });
  try {
    const info = model.info;
    assert.equal(info.imageInput, 'sample');
    assert.equal(info.timestepInput, 'timestep');
    assert.equal(info.outputName, 'noise_pred');
    assert.deepEqual(info.imageShape, { channels: 1, height: 32, width: 32 });
    assert.equal(info.timestepDtype, 'int64');
    assert.equal(info.timestepLayout, 'batch');
    assert.equal(info.fixedBatch, null);
    assert.equal(info.predictionType, 'epsilon');
    assert.deepEqual(info.schedule, { numTrainTimesteps: 1000, betaSchedule: 'linear', betaStart: 1e-4, betaEnd: 0.02 });
    assert.equal(info.scheduleSource, 'metadata');
    assert.equal(info.configSources.predictionType, 'metadata');
    // set_alpha_to_one etc. are not in the metadata; they come from models/scheduler_config.json.
    assert.equal(info.setAlphaToOne, true);
    assert.equal(info.configSources.setAlphaToOne, 'scheduler_config');
    assert.equal(info.timestepSpacing, 'leading');
    assert.deepEqual(info.warnings, []);
    assert.equal(info.provider, 'cpu');
    assert.equal(info.metadata['diffusion.beta_schedule'], 'linear');
    assert.equal(info.opset, 17);
    // Plain data: survives a JSON round trip unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(info)), info);
  } finally {
    await model.dispose();
  }
});

test('a batch gives the same ε as single images, whatever the chunking', async () => {
  const ref = npyToFloat32(await readNpy(referenceFile('onnx_check_sample.npy')));
  const whole = await openOnnxModel(bundledModel(), { provider: 'cpu' });
  const chunked = await openOnnxModel(bundledModel(), { provider: 'cpu', batch: 3 });
  try {
    const t = 500;
    const all = await whole.eps(ref, t);
    assert.equal(whole.runs, 1);
    const inChunks = await chunked.eps(ref, t);
    assert.equal(chunked.runs, 2); // 3 + 1 images
    assert.equal(chunked.info.maxBatch, 3);
    assert.ok(maxAbsDiff(all, inChunks) <= 1e-6);
    for (let k = 0; k < 4; k++) {
      const single = await whole.eps(ref.slice(k * PER, (k + 1) * PER), t);
      assert.ok(maxAbsDiff(single, all.subarray(k * PER, (k + 1) * PER)) <= 1e-6);
    }
    assert.notEqual(all, ref, 'eps must return a new array');
  } finally {
    await whole.dispose();
    await chunked.dispose();
  }
});

test('the tiny protobuf reader sees the same metadata_props and opset as onnx-proto', () => {
  const header = readOnnxHeader(bundledModel());
  const full = onnx.ModelProto.decode(readFileSync(bundledModel()));
  const expected = Object.fromEntries(full.metadataProps.map((p) => [p.key, p.value]));
  assert.deepEqual(header.metadata, expected);
  assert.ok(Object.keys(header.metadata).length >= 10);
  assert.equal(header.irVersion, Number(full.irVersion));
  assert.equal(header.producerName, 'pytorch');
  assert.deepEqual(header.opsets, { '': 17 });
  assert.ok(header.graphBytes > 5_000_000);
});

test('eps() rejects input that is not whole images, and use after dispose', async () => {
  const model = await openOnnxModel(bundledModel(), { provider: 'cpu' });
  await assert.rejects(model.eps(new Float32Array(PER + 1), 10), /multiple of 1024 values/);
  await assert.rejects(model.eps(new Float32Array(PER), NaN), /finite timestep/);
  await model.dispose();
  await assert.rejects(model.eps(new Float32Array(PER), 10), /was disposed/);
});
