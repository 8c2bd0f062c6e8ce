/**
 * Where a model's diffusion facts come from: options > ONNX metadata > scheduler_config.json
 * (beside the model, in scheduler/, or in ../scheduler/) > defaults with a warning; legacy keys;
 * and errors that name the file or key and what was expected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SCHEDULE } from '../../src/sampler/schedule';
import { findSchedulerConfig, resolveDiffusionConfig } from '../../src/model/modelConfig';
import { openOnnxModel } from '../../src/model/onnxModel';
import { alphasCumprodOf, buildGaussianEpsModel } from '../support/onnxBuilder';
import { tempDir, writeModel } from '../support/tempModels';

/** A folder with `unet/model.onnx` (a placeholder file: these tests only need its path). */
function layout(files: Record<string, unknown>): { model: string; dir: string; cleanup: () => void } {
  const { dir, cleanup } = tempDir();
  const model = writeModel(dir, Uint8Array.of(0));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return { model, dir, cleanup };
}

const SCHEDULER = {
  _class_name: 'PNDMScheduler',
  num_train_timesteps: 500,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  trained_betas: null,
  prediction_type: 'v_prediction',
  set_alpha_to_one: false,
  steps_offset: 1,
  timestep_spacing: 'trailing',
};

test('scheduler_config.json is found beside the model, in scheduler/, and in ../scheduler/', () => {
  for (const rel of ['unet/scheduler_config.json', 'unet/scheduler/scheduler_config.json', 'scheduler/scheduler_config.json']) {
    const { model, dir, cleanup } = layout({ [rel]: SCHEDULER });
    try {
      assert.equal(findSchedulerConfig(model), join(dir, rel));
      const config = resolveDiffusionConfig({ modelPath: model });
      assert.equal(config.source, 'scheduler_config');
      assert.equal(config.schedulerConfigPath, join(dir, rel));
      assert.deepEqual(config.schedule, { numTrainTimesteps: 500, betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012 });
      assert.equal(config.predictionType, 'v_prediction');
      assert.equal(config.setAlphaToOne, false);
      assert.equal(config.stepsOffset, 1);
      assert.equal(config.timestepSpacing, 'trailing');
      assert.deepEqual(config.warnings, []);
    } finally {
      cleanup();
    }
  }
});

test('precedence per field: options > metadata > scheduler_config > default', () => {
  const { model, cleanup } = layout({ 'scheduler/scheduler_config.json': SCHEDULER });
  try {
    const config = resolveDiffusionConfig({
      modelPath: model,
      metadata: {
        'diffusion.beta_end': '0.02',
        'diffusion.prediction_type': 'sample',
        'diffusion.set_alpha_to_one': 'true',
        other: 'ignored',
      },
      options: { betaStart: 0.0001, predictionType: 'epsilon' },
    });
    assert.deepEqual(config.schedule, { numTrainTimesteps: 500, betaSchedule: 'scaled_linear', betaStart: 0.0001, betaEnd: 0.02 });
    assert.equal(config.predictionType, 'epsilon');
    assert.equal(config.setAlphaToOne, true);
    assert.deepEqual(config.sources, {
      numTrainTimesteps: 'scheduler_config',
      betaSchedule: 'scheduler_config',
      betaStart: 'options',
      betaEnd: 'metadata',
      predictionType: 'options',
      setAlphaToOne: 'metadata',
      stepsOffset: 'scheduler_config',
      timestepSpacing: 'scheduler_config',
    });
    assert.equal(config.source, 'options');
    // schedulerConfigPath: null ignores the file.
    const without = resolveDiffusionConfig({
      modelPath: model,
      metadata: { 'diffusion.prediction_type': 'sample' },
      schedulerConfigPath: null,
    });
    assert.equal(without.schedulerConfigPath, undefined);
    assert.equal(without.schedule.numTrainTimesteps, 1000);
  } finally {
    cleanup();
  }
});

test('nothing found: DDPM defaults with a visible warning', () => {
  const { model, cleanup } = layout({});
  try {
    const config = resolveDiffusionConfig({ modelPath: model });
    assert.deepEqual(config.schedule, DEFAULT_SCHEDULE);
    assert.equal(config.predictionType, 'epsilon');
    assert.equal(config.source, 'default');
    assert.equal(config.warnings.length, 1);
    assert.match(
      config.warnings[0],
      /Assumed num_train_timesteps = 1000, beta_schedule = linear, beta_start = 0\.0001, beta_end = 0\.02, prediction_type = epsilon: .*model\.onnx.*samples will be wrong/,
    );
    // Partial facts: only the missing ones are named.
    const partial = resolveDiffusionConfig({
      modelPath: model,
      metadata: { 'diffusion.num_train_timesteps': '1000', 'diffusion.beta_schedule': 'squaredcos_cap_v2' },
    });
    assert.equal(partial.warnings.length, 1);
    assert.match(partial.warnings[0], /^Assumed prediction_type = epsilon:/);
  } finally {
    cleanup();
  }
});

test('legacy keys: timesteps, predict_epsilon, beta_schedule "cosine", trained_betas', () => {
  const { model, cleanup } = layout({ 'scheduler_config.json': '{}' });
  try {
    const legacy = { timesteps: 200, beta_schedule: 'cosine', predict_epsilon: false };
    writeFileSync(join(model, '..', 'scheduler_config.json'), JSON.stringify(legacy));
    const config = resolveDiffusionConfig({ modelPath: model });
    assert.equal(config.schedule.numTrainTimesteps, 200);
    assert.equal(config.schedule.betaSchedule, 'squaredcos_cap_v2');
    assert.equal(config.predictionType, 'sample');
    assert.deepEqual(config.warnings, []);

    const betas = Array.from({ length: 10 }, (_, i) => 0.01 + i * 0.01);
    writeFileSync(join(model, '..', 'scheduler_config.json'), JSON.stringify({ trained_betas: betas, beta_schedule: 'linear' }));
    const trained = resolveDiffusionConfig({ modelPath: model, metadata: { 'diffusion.prediction_type': 'epsilon' } });
    assert.deepEqual(trained.schedule.trainedBetas, betas);
    assert.equal(trained.schedule.numTrainTimesteps, 10);
    assert.equal(trained.sources.numTrainTimesteps, 'scheduler_config');
    // A higher-precedence schedule name replaces lower-precedence trained betas.
    const named = resolveDiffusionConfig({
      modelPath: model,
      options: { betaSchedule: 'linear', numTrainTimesteps: 1000, predictionType: 'epsilon' },
    });
    assert.equal(named.schedule.trainedBetas, undefined);
    // Metadata may carry trained betas as a list.
    const fromMetadata = resolveDiffusionConfig({
      metadata: { 'diffusion.trained_betas': '0.1, 0.2, 0.3', 'diffusion.prediction_type': 'epsilon' },
    });
    assert.deepEqual(fromMetadata.schedule.trainedBetas, [0.1, 0.2, 0.3]);
    // T given with higher precedence must match the betas.
    assert.throws(
      () => resolveDiffusionConfig({ modelPath: model, metadata: { 'diffusion.num_train_timesteps': '1000' } }),
      /noise schedule for .*model\.onnx is invalid .*trained_betas has 10 values but num_train_timesteps is 1000/,
    );
  } finally {
    cleanup();
  }
});

test('invalid values name the file or key and what was expected', () => {
  const { model, cleanup } = layout({});
  const configPath = join(model, '..', 'scheduler_config.json');
  const withConfig = (content: unknown) => {
    writeFileSync(configPath, typeof content === 'string' ? content : JSON.stringify(content));
    return () => resolveDiffusionConfig({ modelPath: model });
  };
  try {
    const file = configPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.throws(
      withConfig({ beta_schedule: 'sigmoid' }),
      new RegExp(`Invalid "beta_schedule" in ${file}: got "sigmoid", expected one of linear, scaled_linear, squaredcos_cap_v2`),
    );
    assert.throws(withConfig({ num_train_timesteps: -5 }), /Invalid "num_train_timesteps" in .*: got -5, expected a positive integer/);
    assert.throws(withConfig({ num_train_timesteps: 'many' }), /Invalid "num_train_timesteps" .*got "many", expected a positive integer/);
    assert.throws(withConfig({ beta_start: -0.1 }), /Invalid "beta_start" .*expected a number in \(0, 1\)/);
    assert.throws(withConfig({ trained_betas: [0.1, 'x'] }), /Invalid "trained_betas" in .*\[1\]: got "x"/);
    assert.throws(withConfig({ prediction_type: 'noise' }), /Invalid "prediction_type" .*expected one of epsilon, v_prediction, sample/);
    assert.throws(withConfig({ steps_offset: -1 }), /Invalid "steps_offset" .*non-negative integer/);
    assert.throws(withConfig({ set_alpha_to_one: 'maybe' }), /Invalid "set_alpha_to_one" .*true or false/);
    assert.throws(withConfig({ timestep_spacing: 'karras' }), /Invalid "timestep_spacing" .*leading, trailing, linspace/);
    assert.throws(withConfig([1, 2]), /scheduler_config\.json must hold a JSON object/);
    assert.throws(withConfig('{"a": '), /Cannot read the scheduler config .*scheduler_config\.json: .*Fix or remove the file/);
    writeFileSync(configPath, '{}');
    assert.throws(
      () => resolveDiffusionConfig({ modelPath: model, metadata: { 'diffusion.beta_end': 'abc' } }),
      /Invalid metadata key "diffusion\.beta_end" of .*model\.onnx: got "abc", expected a number in \(0, 1\)/,
    );
    assert.throws(() => resolveDiffusionConfig({ options: { predictionType: 'x0' as never } }), /Invalid option predictionType: got "x0"/);
    assert.throws(
      () => resolveDiffusionConfig({ options: { numTrainTimesteps: 2.5 } }),
      /Invalid option numTrainTimesteps: got 2\.5, expected a positive integer/,
    );
  } finally {
    cleanup();
  }
});

test('a non-zero-based timestep convention in metadata is warned about', () => {
  const config = resolveDiffusionConfig({
    metadata: {
      'diffusion.timestep_convention': 'one_based',
      'diffusion.prediction_type': 'epsilon',
      'diffusion.num_train_timesteps': '1000',
      'diffusion.beta_schedule': 'linear',
      'diffusion.beta_start': '0.0001',
      'diffusion.beta_end': '0.02',
    },
  });
  assert.equal(config.warnings.length, 1);
  assert.match(config.warnings[0], /timestep_convention = "one_based"/);
});

test('openOnnxModel uses the diffusers layout (unet/ + ../scheduler/) and explicit options', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const bytes = buildGaussianEpsModel({ mu: 0, s: 1, alphasCumprod: alphasCumprodOf(DEFAULT_SCHEDULE), metadata: {} }).bytes;
    const path = writeModel(dir, bytes);
    mkdirSync(join(dir, 'scheduler'));
    writeFileSync(join(dir, 'scheduler', 'scheduler_config.json'), JSON.stringify(SCHEDULER));
    const model = await openOnnxModel(path, { provider: 'cpu', diffusion: { predictionType: 'epsilon' } });
    try {
      assert.equal(model.info.schedulerConfigPath, join(dir, 'scheduler', 'scheduler_config.json'));
      assert.equal(model.info.schedule.numTrainTimesteps, 500);
      assert.equal(model.info.scheduleSource, 'scheduler_config');
      assert.equal(model.info.predictionType, 'epsilon');
      assert.equal(model.info.configSources.predictionType, 'options');
    } finally {
      await model.dispose();
    }
    const defaults = await openOnnxModel(path, { provider: 'cpu', schedulerConfigPath: null });
    try {
      assert.equal(defaults.info.scheduleSource, 'default');
      assert.equal(defaults.info.warnings.length, 1);
    } finally {
      await defaults.dispose();
    }
  } finally {
    cleanup();
  }
});
