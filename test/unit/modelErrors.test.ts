/**
 * Every way opening a model can fail says what was wrong (naming the file or input) and what to do;
 * and the image/timestep inputs are found by rank, dtype and name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SCHEDULE } from '../../src/sampler/schedule';
import { openOnnxModel } from '../../src/model/onnxModel';
import { alphasCumprodOf, buildGaussianEpsModel, scheduleMetadata, type GaussianModelOptions } from '../support/onnxBuilder';
import { GraphWriter } from '../support/onnxGraph';
import { bundledModel } from '../support/paths';
import { openBuiltModel, tempDir, writeModel } from '../support/tempModels';

const gaussian = (o: Partial<GaussianModelOptions> = {}) =>
  buildGaussianEpsModel({
    mu: 0,
    s: 1,
    alphasCumprod: alphasCumprodOf(DEFAULT_SCHEDULE),
    metadata: scheduleMetadata(DEFAULT_SCHEDULE),
    ...o,
  }).bytes;

async function rejectsOpening(bytes: Uint8Array, pattern: RegExp, options = {}): Promise<void> {
  await assert.rejects(openBuiltModel(bytes, options), (error: Error) => {
    assert.match(error.message, pattern);
    return true;
  });
}

test('file problems: missing, folder, empty, not ONNX, LFS pointer, zip, truncated', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = (name: string, data: string | Uint8Array) => {
      const path = join(dir, name);
      writeFileSync(path, data);
      return path;
    };
    const open = (path: string) => openOnnxModel(path, { provider: 'cpu' });
    const missing = join(dir, 'nope.onnx');
    await assert.rejects(open(missing), new RegExp(`Model file not found: ${escape(missing)}\\. Check the path`));
    const folder = join(dir, 'export');
    mkdirSync(join(folder, 'unet'), { recursive: true });
    writeFileSync(join(folder, 'unet', 'model.onnx'), 'x');
    await assert.rejects(open(folder), /export is a folder, not an \.onnx file\. Choose the model file inside it: .*unet\/model\.onnx/);
    await assert.rejects(open(file('empty.onnx', '')), /empty\.onnx is empty \(0 bytes\).*Export or download it again/);
    await assert.rejects(open(file('config.onnx', '{"a": 1}\n')), /config\.onnx is not an ONNX model .*Choose an \.onnx file/);
    await assert.rejects(
      open(file('lfs.onnx', 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n')),
      /lfs\.onnx is not an ONNX model: it is a Git LFS pointer.*git lfs pull/,
    );
    await assert.rejects(open(file('ckpt.onnx', 'PK\x03\x04rest of a zip')), /zip archive .*torch\.onnx\.export/);
    await assert.rejects(open(file('html.onnx', '<!DOCTYPE html><html>')), /HTML\/XML page/);
    await assert.rejects(open(file('nograph.onnx', Uint8Array.of(0x08, 0x08))), /nograph\.onnx is not an ONNX model .*no graph/);
    const truncated = file('truncated.onnx', readFileSync(bundledModel()).subarray(0, 5000));
    await assert.rejects(open(truncated), /truncated\.onnx is not an ONNX model .*runs past the end/);
  } finally {
    cleanup();
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('inputs are found by rank, dtype and name', async () => {
  const named = await openBuiltModel(gaussian({ imageName: 'x', timestepName: 't', outputName: 'out' }));
  try {
    assert.equal(named.model.info.imageInput, 'x');
    assert.equal(named.model.info.timestepInput, 't');
    assert.equal(named.model.info.outputName, 'out');
  } finally {
    await named.close();
  }
  // Unusual names still work when rank and dtype leave one choice.
  const odd = await openBuiltModel(gaussian({ imageName: 'pixels', timestepName: 'noise_step' }));
  try {
    assert.equal(odd.model.info.imageInput, 'pixels');
    assert.equal(odd.model.info.timestepInput, 'noise_step');
  } finally {
    await odd.close();
  }
});

test('conditional inputs are refused, naming the input', async () => {
  await rejectsOpening(
    gaussian({ extraInputs: [{ name: 'encoder_hidden_states', type: 'float32', shape: ['N', 77, 768] }] }),
    /"encoder_hidden_states" \(float32 \[N, 77, 768\]\) besides the image "sample" and the timestep "timestep"\. Only unconditional ε-models/,
  );
  await rejectsOpening(
    gaussian({ extraInputs: [{ name: 'class_labels', type: 'int64', shape: ['N'] }] }),
    /input "class_labels" .*Only unconditional/,
  );
  await rejectsOpening(gaussian({ extraInputs: [{ name: 'y', type: 'int64', shape: ['N'] }] }), /input "y" .*Only unconditional/);
  // A second image-like input: "sample" is the image by its name, the other is conditioning.
  await rejectsOpening(
    gaussian({ extraInputs: [{ name: 'cond_image', type: 'float32', shape: ['N', 1, 4, 4] }] }),
    /input "cond_image" .*Only unconditional/,
  );
  // Two 4-D inputs and no telling name.
  await rejectsOpening(
    gaussian({ imageName: 'a', extraInputs: [{ name: 'b', type: 'float32', shape: ['N', 1, 4, 4] }] }),
    /several 4-D inputs \("a" .*"b" .*\) and none is clearly the image; name it "sample"/,
  );
});

test('missing or unsupported image and timestep inputs are explained', async () => {
  await rejectsOpening(
    gaussian({ flatImage: true }),
    /has no 4-D image input; its inputs are "sample" \(float32 \[N, 16\]\).*\[N, C, H, W\]/,
  );
  await rejectsOpening(
    gaussian({ imageType: 'float16' }),
    /image input "sample" .*has dtype float16; only float32 models are supported\. Re-export/,
  );
  await rejectsOpening(
    gaussian({ timestepType: 'float16' }),
    /timestep input "timestep" .*has dtype float16; supported are int64, int32, float32, float64/,
  );
  await rejectsOpening(gaussian({ timestepShape: 'column' }), /no timestep input besides the image .*shape \[N\], \[1\] or \[\]/);
});

test('output shape mismatch: at open when declared, at run time otherwise', async () => {
  await rejectsOpening(
    gaussian({ outputMismatch: 'declared' }),
    /output "noise_pred" .* has shape \[N, 1, 4, 3\].*\[N, 1, 4, 4\] \(or \[N, 2, 4, 4\] with learned variance\)/,
  );
  const { model, close } = await openBuiltModel(gaussian({ outputMismatch: 'undeclared', height: 'H', width: 'W' }), {
    height: 4,
    width: 4,
  });
  try {
    await assert.rejects(model.eps(new Float32Array(16), 5), /output "noise_pred" .* has shape \[1, 1, 4, 3\]/);
  } finally {
    await close();
  }
});

test('dynamic height and width need the size, from options or metadata', async () => {
  const dynamic = gaussian({ height: 'H', width: 'W' });
  await rejectsOpening(
    dynamic,
    /image input "sample" \(float32 \[N, 1, H, W\]\) .*has a dynamic height and width, and nothing says the size it was trained at\. Add diffusion\.image_size \(e\.g\. "32" or "64,48"\) to the model's metadata_props/,
  );
  const sized = await openBuiltModel(dynamic, { height: 6, width: 5 });
  try {
    assert.deepEqual(sized.model.info.imageShape, { channels: 1, height: 6, width: 5 });
    assert.equal((await sized.model.eps(new Float32Array(60), 3)).length, 60);
  } finally {
    await sized.close();
  }
  const withMetadata = gaussian({
    height: 'H',
    width: 'W',
    metadata: { ...scheduleMetadata(DEFAULT_SCHEDULE), 'diffusion.image_size': '8' },
  });
  const fromMetadata = await openBuiltModel(withMetadata);
  try {
    assert.deepEqual(fromMetadata.model.info.imageShape, { channels: 1, height: 8, width: 8 });
  } finally {
    await fromMetadata.close();
  }
  await rejectsOpening(gaussian(), /has a fixed height of 4 .*so a height of 8 cannot be used/, { height: 8 });
});

test('a well-formed file that onnxruntime cannot load says so', async () => {
  const g = new GraphWriter();
  g.node('NoSuchOperator', ['sample'], {}, 'noise_pred');
  const bytes = g.build(
    [{ name: 'sample', type: 'float32', shape: ['N', 1, 4, 4] }],
    [{ name: 'noise_pred', type: 'float32', shape: ['N', 1, 4, 4] }],
  );
  await rejectsOpening(
    bytes,
    /^onnxruntime could not load .*model\.onnx: .*NoSuchOperator.*opset and operators onnxruntime-node 1\.30\.0 supports/s,
  );
});

test('bad options are refused before any work', async () => {
  await rejectsOpening(gaussian(), /batch option must be a positive integer, got 0/, { batch: 0 });
  await rejectsOpening(gaussian(), /^Unknown execution provider "tpu"; use one of auto, cpu, cuda, dml, coreml, webgpu/, {
    provider: 'tpu',
  });
  await rejectsOpening(gaussian(), /intraOpNumThreads must be a positive integer/, { intraOpNumThreads: -1 });
});

test('a model file in a folder with a broken scheduler_config.json names that file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = writeModel(dir, gaussian({ metadata: {} }));
    writeFileSync(join(dir, 'unet', 'scheduler_config.json'), '{ not json');
    await assert.rejects(
      openOnnxModel(path, { provider: 'cpu' }),
      /Cannot read the scheduler config .*unet\/scheduler_config\.json.*Fix or remove the file/,
    );
  } finally {
    cleanup();
  }
});
