/**
 * Scheduler keys that change the math (issue 7, item 4; variance_type for item 1): variance_type and
 * clip_sample / clip_sample_range are read and honoured; thresholding and rescale_betas_zero_snr are
 * not implemented and say so once, naming the key and what is done instead.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveDiffusionConfig } from '../../src/model/modelConfig';
import { methodOptionsOf } from '../../src/runner/methodOptions';
import { gaussianModel, noiseFor, run } from '../support/sampling';
import { tempDir, writeModel } from '../support/tempModels';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const COMPLETE = { num_train_timesteps: 1000, beta_schedule: 'linear', beta_start: 1e-4, beta_end: 0.02, prediction_type: 'epsilon' };

/** The diffusion config of a placeholder model with this scheduler_config.json beside it. */
function configWith(keys: Record<string, unknown>) {
  const { dir, cleanup } = tempDir();
  try {
    const model = writeModel(dir, Uint8Array.of(0), 'model.onnx', '.');
    writeFileSync(join(dir, 'scheduler_config.json'), JSON.stringify({ ...COMPLETE, ...keys }));
    return resolveDiffusionConfig({ modelPath: model });
  } finally {
    cleanup();
  }
}

test('variance_type comes from scheduler_config.json or diffusion.* metadata; the *_log spellings are their plain types', () => {
  assert.equal(configWith({}).varianceType, undefined);
  assert.equal(configWith({ variance_type: 'fixed_large' }).varianceType, 'fixed_large');
  assert.equal(configWith({ variance_type: 'learned_range' }).varianceType, 'learned_range');
  assert.equal(configWith({ variance_type: 'fixed_small_log' }).varianceType, 'fixed_small');
  assert.equal(configWith({ variance_type: 'fixed_large_log' }).varianceType, 'fixed_large');
  assert.equal(
    resolveDiffusionConfig({ metadata: { 'diffusion.variance_type': 'learned' }, schedulerConfigPath: null }).varianceType,
    'learned',
  );
  assert.throws(
    () => configWith({ variance_type: 'small' }),
    /Invalid "variance_type" in .*scheduler_config\.json: got "small", expected one of fixed_small, fixed_large, learned, learned_range/,
  );
});

test('clip_sample gives the clip range (clip_sample_range, default 1); false or absent: no clip', () => {
  assert.equal(configWith({}).clipSample, undefined);
  assert.equal(configWith({ clip_sample: false, clip_sample_range: 3 }).clipSample, undefined);
  assert.equal(configWith({ clip_sample: true }).clipSample, 1);
  assert.equal(configWith({ clip_sample: true, clip_sample_range: 2.5 }).clipSample, 2.5);
  assert.throws(() => configWith({ clip_sample: true, clip_sample_range: 0 }), /Invalid "clip_sample_range" .*expected a positive number/);
  assert.deepEqual(configWith({ clip_sample: true, variance_type: 'fixed_small' }).warnings, []);
});

test('thresholding and rescale_betas_zero_snr: one warning each, naming the key and what is done instead', () => {
  const config = configWith({
    thresholding: true,
    sample_max_value: 1.5,
    dynamic_thresholding_ratio: 0.99,
    clip_sample: true,
    rescale_betas_zero_snr: true,
  });
  assert.equal(config.warnings.length, 2);
  assert.match(
    config.warnings[0],
    /^thresholding = true \(from scheduler_config\) is not supported: x̂₀ is not dynamically thresholded \(dynamic_thresholding_ratio and sample_max_value are unused\) but clipped to ±1 \(clip_sample\) in DDIM and DDPM, so samples differ from diffusers'\.$/,
  );
  assert.match(
    config.warnings[1],
    /^rescale_betas_zero_snr = true \(from scheduler_config\) is not supported: the betas are used unrescaled/,
  );
  assert.deepEqual(configWith({ thresholding: false, rescale_betas_zero_snr: false }).warnings, []);
});

test("a run's options: what was asked for, else the model's, else the defaults (fixed_small, no clip)", () => {
  assert.deepEqual(methodOptionsOf({}, {}), { eta: 0, tolerance: 1e-3, variance: 'fixed_small' });
  assert.equal(methodOptionsOf({ variance: 'auto' }, { varianceType: 'fixed_large' }).variance, 'fixed_large');
  assert.equal(methodOptionsOf({ variance: 'fixed_small' }, { varianceType: 'fixed_large' }).variance, 'fixed_small');
  assert.deepEqual(methodOptionsOf({ eta: 0.5, tolerance: 1e-4 }, { clipSample: 2 }), {
    eta: 0.5,
    tolerance: 1e-4,
    variance: 'fixed_small',
    clipSample: 2,
  });
});

test('DDIM and DDPM clip x̂₀ before the update, so they never step past the clip range', async () => {
  // data N(3, 0.25): every x̂₀ is far above 1
  const data = { mu: 3, s: 0.5 };
  for (const sampler of ['ddim', 'ddpm'] as const) {
    for (const eta of sampler === 'ddim' ? [0, 1] : [0]) {
      const plain = await run(gaussianModel(data), noiseFor(2, 64, 3), 2, { sampler, steps: 10, eta }, 3);
      const clipped = await run(gaussianModel(data), noiseFor(2, 64, 3), 2, { sampler, steps: 10, eta, clipSample: 1 }, 3);
      assert.ok(Math.min(...plain.x) > 1.5, `${sampler} η ${eta} unclipped: min ${Math.min(...plain.x)}`);
      assert.ok(
        clipped.x.every((v) => v <= 1 + 1e-6) && Math.max(...clipped.x) > 0.99,
        `${sampler} η ${eta} clipped to 1: ${Math.min(...clipped.x)}..${Math.max(...clipped.x)}`,
      );
      assert.ok(
        clipped.steps.every((s) => s.x0.every((v) => v <= 1 + 1e-5)),
        `${sampler}: every step's x̂₀ is clipped`,
      );
    }
  }
});
