/**
 * DPM-Solver++(2M) and UniPC against diffusers' own scheduler code (test/fixtures/reference/diffusers):
 * the same noise through the bundled model, the same timesteps called, the same number of calls, and
 * the final samples within 3e-4 max |diff|.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { readNpy } from '../../src/io';
import { openOnnxModel, type OnnxEpsModel } from '../../src/model';
import { DEFAULT_SETTINGS, makeSchedule, sample, type EpsModel, type SamplerName, type Spacing } from '../../src/sampler';
import { maxAbsDiff } from '../support/gaussianModel';
import { bundledModel, referenceFile } from '../support/paths';

interface Run {
  file: string;
  scheduler: string;
  constructor_kwargs: { timestep_spacing: Spacing; solver_order?: number };
  timesteps_called: number[];
  nfe: number;
}
const SAMPLERS: Record<string, SamplerName> = { DPMSolverMultistepScheduler: 'dpmpp-2m', UniPCMultistepScheduler: 'unipc' };
const manifest = JSON.parse(readFileSync(referenceFile('diffusers/manifest.json'), 'utf8')) as { runs: Record<string, Run> };

let model: OnnxEpsModel;
let noise: Float32Array;
before(async () => {
  model = await openOnnxModel(bundledModel(), { provider: 'cpu' });
  noise = (await readNpy(referenceFile('noise.npy'))).data as Float32Array;
});
after(() => model.dispose());

for (const [name, run] of Object.entries(manifest.runs)) {
  const sampler = SAMPLERS[run.scheduler];
  if (!sampler) continue;
  test(`${name}: ${sampler} on the ${run.constructor_kwargs.timestep_spacing} grid matches diffusers`, async () => {
    const expected = (await readNpy(referenceFile(`diffusers/${run.file}`))).data as Float32Array;
    const called: number[] = [];
    const recording: EpsModel = { eps: (x, t) => (called.push(t), model.eps(x, t)) };
    const settings = { ...DEFAULT_SETTINGS, sampler, steps: run.timesteps_called.length, spacing: run.constructor_kwargs.timestep_spacing };
    const result = await sample(recording, makeSchedule(model.info.schedule), noise, 4, settings);
    assert.deepEqual(called, run.timesteps_called);
    assert.equal(result.nfe, run.nfe);
    const diff = maxAbsDiff(result.x, expected);
    assert.ok(diff <= 3e-4, `max |diff| ${diff.toExponential(2)} > 3e-4`);
    process.stdout.write(`# ${name}: max |diff| ${diff.toExponential(2)}, ${result.nfe} calls\n`);
  });
}
