/**
 * Convergence on a model whose exact ε is known in closed form (Gaussian data, N(μ, s²) per pixel):
 * the first two tests run it as an ONNX graph built in the test, through the real adapter; the rest use
 * the same closed form in memory (fractional timesteps for the adaptive solver).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { exactOdeSolution, rms } from '../support/gaussianModel';
import { alphaBar, GAUSSIAN, gaussianModel, noiseFor, run, schedule } from '../support/sampling';
import { buildGaussianEpsModel, scheduleMetadata } from '../support/onnxBuilder';
import { openBuiltModel } from '../support/tempModels';
import { timesteps, type EpsModel, type SamplerName } from '../../src/sampler';

// RMS distance to the exact DDIM/probability-flow ODE solution from x_T at the grid's first timestep to ᾱ = 1.
const xT = noiseFor(8, 64, 3);
const errorOf = async (sampler: SamplerName, steps: number, model: EpsModel = gaussianModel()) => {
  const exact = exactOdeSolution(xT, alphaBar(timesteps(1000, steps)[0]), 1, GAUSSIAN);
  return rms((await run(model, xT, 8, { sampler, steps })).x, exact);
};

let onnx: Awaited<ReturnType<typeof openBuiltModel>>;
before(async () => {
  const { bytes } = buildGaussianEpsModel({
    ...GAUSSIAN,
    alphasCumprod: schedule.alphasCumprod,
    height: 8,
    width: 8,
    metadata: scheduleMetadata(schedule.config),
  });
  onnx = await openBuiltModel(bytes);
});
after(() => onnx.close());

test('ONNX Gaussian model: F-PNDM at 50 steps is ≥ 10× closer to the exact ODE solution than DDIM at 50 steps', async () => {
  const ddim = await errorOf('ddim', 50, onnx.model);
  const fpndm = await errorOf('f-pndm', 50, onnx.model);
  assert.ok(ddim / fpndm >= 10, `DDIM ${ddim.toExponential(2)} vs F-PNDM ${fpndm.toExponential(2)}`);
});

test('ONNX Gaussian model: DDIM is first order, its error roughly halves from 50 to 100 and 100 to 200 steps (no off-by-one floor)', async () => {
  const e50 = await errorOf('ddim', 50, onnx.model);
  const e100 = await errorOf('ddim', 100, onnx.model);
  const e200 = await errorOf('ddim', 200, onnx.model);
  assert.ok(e50 / e100 > 1.7 && e50 / e100 < 2.3, `50→100 ratio ${e50 / e100}`);
  assert.ok(e100 / e200 > 1.7 && e100 / e200 < 2.3, `100→200 ratio ${e100 / e200}`);
});

test('S-PNDM is second order; PLMS, F-PNDM and FON beat DDIM by 10× at 50 steps', async () => {
  const s20 = await errorOf('s-pndm', 20);
  const s40 = await errorOf('s-pndm', 40);
  assert.ok(s20 / s40 > 3, `S-PNDM 20→40 ratio ${s20 / s40}`);
  const ddim = await errorOf('ddim', 50);
  for (const sampler of ['plms', 'f-pndm', 'fon'] as const) {
    const e = await errorOf(sampler, 50);
    assert.ok(ddim / e >= 10, `${sampler} ${e.toExponential(2)} vs DDIM ${ddim.toExponential(2)}`);
  }
});

test('the probability-flow solver meets its tolerance and tightens with it', async () => {
  // to ᾱ[0], so the model is never asked for t < 0 (where it is clamped to t = 0)
  const exact = exactOdeSolution(xT, alphaBar(999), alphaBar(0), GAUSSIAN);
  const settings = { sampler: 'pf', spacing: 'trailing', steps: 10, finalAlphaBar: 'first' } as const;
  const loose = await run(gaussianModel(), xT, 8, { ...settings, tolerance: 1e-2 });
  const tight = await run(gaussianModel(), xT, 8, { ...settings, tolerance: 1e-5 });
  const eLoose = rms(loose.x, exact);
  const eTight = rms(tight.x, exact);
  assert.ok(eTight < 2e-5, `tight error ${eTight}`);
  assert.ok(eTight < eLoose, `tight ${eTight} < loose ${eLoose}`);
  assert.ok(tight.nfe > loose.nfe, `NFE ${tight.nfe} > ${loose.nfe}`);
  assert.ok(loose.nfe >= 7 && loose.steps.length >= 1);
  assert.ok(loose.steps.every((s, i) => i === 0 || s.progress > loose.steps[i - 1].progress));
});

test('DDPM over all T steps samples the data distribution N(μ, s²)', async () => {
  const pixels = 4096;
  const r = await run(gaussianModel(), noiseFor(1, pixels, 11), 1, { sampler: 'ddpm', steps: 1000 }, 11);
  const mean = r.x.reduce((s, v) => s + v, 0) / pixels;
  const sd = Math.sqrt(r.x.reduce((s, v) => s + (v - mean) ** 2, 0) / pixels);
  assert.ok(Math.abs(mean - GAUSSIAN.mu) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(sd - GAUSSIAN.s) / GAUSSIAN.s < 0.05, `sd ${sd}`);
});
