// One function turns (model, request) into the sampler's settings, for the CLI and the panel's worker:
// the panel's default spacing follows the model's timestep_spacing as the CLI's does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS, runSettingsOf } from '../../src/extension/settingsSchema';
import { samplingSettingsOf, type RunnableModel } from '../../src/extension/workerRun';
import { samplingSettingsFor, type ModelFacts } from '../../src/runner/runSettings';
import { DEFAULT_OPTIONS } from '../../src/sampler';

const schedule = { numTrainTimesteps: 1000, betaSchedule: 'linear', betaStart: 1e-4, betaEnd: 0.02 } as ModelFacts['schedule'];
const trailingModel: ModelFacts = { schedule, timestepSpacing: 'trailing', setAlphaToOne: false, stepsOffset: 1 };

test("the panel's default request honours the model's timestep_spacing and scheduler config (it used leading)", () => {
  const request = { ...runSettingsOf(DEFAULTS), seed: 0, type: 'run' as const, id: 1, modelPath: 'm.onnx' };
  const s = samplingSettingsOf(request, { info: trailingModel } as unknown as RunnableModel);
  assert.equal(s.spacing, 'trailing');
  assert.equal(s.finalAlphaBar, 'first');
  assert.equal(s.stepsOffset, 1);
  assert.deepEqual(s, samplingSettingsFor(trailingModel, { sampler: 'f-pndm', steps: 50, spacing: 'auto', eta: 0 }));
});

test('samplingSettingsFor: what was asked, else the model’s, else the default', () => {
  const plain: ModelFacts = { schedule };
  assert.deepEqual(samplingSettingsFor(plain, { sampler: 'ddim' }), {
    sampler: 'ddim',
    steps: 50,
    spacing: 'leading',
    finalAlphaBar: 'one',
    stepsOffset: 0,
    options: DEFAULT_OPTIONS,
  });
  assert.equal(samplingSettingsFor(plain, { sampler: 'ddpm' }).steps, 1000, 'ddpm: every training timestep');
  assert.equal(samplingSettingsFor(trailingModel, { sampler: 'ddim' }).spacing, 'trailing');
  assert.equal(samplingSettingsFor(trailingModel, { sampler: 'ddim', spacing: 'linspace' }).spacing, 'linspace');
  const asked = samplingSettingsFor(plain, { sampler: 'pf', steps: 7, eta: 0.3, tolerance: 1e-5, variance: 'fixed_large' });
  assert.deepEqual([asked.steps, asked.options.eta, asked.options.tolerance, asked.options.variance], [7, 0.3, 1e-5, 'fixed_large']);
  const learned: ModelFacts = { schedule, varianceType: 'learned_range', clipSample: 1 };
  assert.deepEqual(samplingSettingsFor(learned, { sampler: 'ddpm', variance: 'auto' }).options, {
    ...DEFAULT_OPTIONS,
    variance: 'learned_range',
    clipSample: 1,
  });
});
