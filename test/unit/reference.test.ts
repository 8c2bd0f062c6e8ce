/**
 * The reference samples of test/fixtures/reference, reproduced from their noise through the real ONNX
 * model: every method and step count, DDIM-1000 included. Tolerance: max |diff| ≤ 1e-4 (FON ≤ 5e-4).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { readNpy } from '../../src/io';
import { openOnnxModel, type OnnxEpsModel } from '../../src/model';
import { DEFAULT_SETTINGS, makeSchedule, sample, type SamplerName } from '../../src/sampler';
import { maxAbsDiff } from '../support/gaussianModel';
import { bundledModel, referenceFile } from '../support/paths';

const METHOD_NAMES: Record<string, SamplerName> = { DDIM: 'ddim', 'S-PNDM': 's-pndm', 'F-PNDM': 'f-pndm', FON: 'fon' };
const manifest = JSON.parse(readFileSync(referenceFile('manifest.json'), 'utf8'));

let model: OnnxEpsModel;
let noise: Float32Array;
before(async () => {
  model = await openOnnxModel(bundledModel(), { provider: 'cpu' });
  noise = (await readNpy(referenceFile('noise.npy'))).data as Float32Array;
});
after(() => model.dispose());

test('the adapter reproduces onnx_check_noise_pred to 1e-5', async () => {
  const x = (await readNpy(referenceFile('onnx_check_sample.npy'))).data as Float32Array;
  const t = (await readNpy(referenceFile('onnx_check_timestep.npy'))).data as BigInt64Array;
  const expected = (await readNpy(referenceFile('onnx_check_noise_pred.npy'))).data as Float32Array;
  const perImage = x.length / t.length;
  for (let k = 0; k < t.length; k++) {
    const got = await model.eps(x.slice(k * perImage, (k + 1) * perImage), Number(t[k]));
    const diff = maxAbsDiff(got, expected.subarray(k * perImage, (k + 1) * perImage));
    assert.ok(diff <= 1e-5, `image ${k} (t = ${t[k]}): ${diff}`);
  }
});

for (const config of manifest.configs) {
  test(`${config.file}: ${config.method} ${config.steps} steps matches the reference`, async () => {
    const expected = (await readNpy(referenceFile(config.file))).data as Float32Array;
    const settings = { ...DEFAULT_SETTINGS, sampler: METHOD_NAMES[config.method], steps: config.steps };
    const result = await sample(model, makeSchedule(model.info.schedule), noise, 4, settings);
    const diff = maxAbsDiff(result.x, expected);
    const tolerance = config.method === 'FON' ? 5e-4 : 1e-4;
    assert.equal(result.nfe, config.nfe);
    assert.ok(diff <= tolerance, `max |diff| ${diff.toExponential(2)} > ${tolerance}`);
    process.stdout.write(`# ${config.file}: max |diff| ${diff.toExponential(2)}, ${result.nfe} calls\n`);
  });
}
