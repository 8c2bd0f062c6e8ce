/**
 * The new solvers on the closed-form Gaussian model (exact ε, exact ODE solution): error slopes against
 * the number of calls, the finite bh1 final step, and bad input with clear messages.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactGaussianEps } from '../support/gaussianDiffusion';
import { exactOdeSolution, rms } from '../support/gaussianModel';
import { alphaBar, GAUSSIAN, gaussianModel, noiseFor, run, schedule } from '../support/sampling';
import { makeContext } from '../../src/sampler/context';
import { adamsBashforthWeights } from '../../src/sampler/ipndm';
import {
  DEFAULT_OPTIONS,
  DEFAULT_SETTINGS,
  gridFor,
  makeGrid,
  METHODS,
  nextTimesteps,
  sample,
  type EpsModel,
  type SamplerName,
  type SolverType,
} from '../../src/sampler';

const xT = noiseFor(8, 64, 3);
const lambdaOf = (ab: number) => 0.5 * Math.log(ab / (1 - ab));

/**
 * N steps evenly spaced in λ from ᾱ[999] to ᾱ[0], the model's ε taken at each point's exact ᾱ: the
 * solver's own error, free of the rounding of σ to the model's integer timesteps.
 */
async function errorOf(sampler: SamplerName, steps: number, solverOrder?: number, solverType?: SolverType): Promise<number> {
  const [hi, lo] = [lambdaOf(alphaBar(999)), lambdaOf(alphaBar(0))];
  const points = Float64Array.from({ length: steps + 1 }, (_, i) => {
    const l = hi + ((lo - hi) * i) / steps;
    return 1 / (1 + Math.exp(-2 * l));
  });
  const grid = Int32Array.from({ length: steps }, (_, i) => 999 - i); // labels only: the model below reads ᾱ by call
  let call = 0;
  const model: EpsModel = {
    async eps(x) {
      const ab = points[call++];
      return Float32Array.from(x, (v) => exactGaussianEps(v, ab, GAUSSIAN.mu, GAUSSIAN.s));
    },
  };
  const ctx = makeContext({ model, alphaBar, grid, next: nextTimesteps(grid), points, count: 8, lastTimestep: 999 });
  const x = await METHODS[sampler].run(ctx, xT, { ...DEFAULT_OPTIONS, solverOrder, solverType: solverType ?? 'bh2' });
  assert.equal(call, steps, `${sampler}: one call per step`);
  return rms(x, exactOdeSolution(xT, points[0], points[steps], GAUSSIAN));
}

const slopes = (e: number[]) => e.slice(1).map((v, i) => Math.log2(e[i] / v));
const STEPS = [16, 32, 64, 128];
async function errors(sampler: SamplerName, solverOrder?: number, solverType?: SolverType): Promise<number[]> {
  const e: number[] = [];
  for (const n of STEPS) e.push(await errorOf(sampler, n, solverOrder, solverType));
  process.stdout.write(`# ${sampler} ${solverOrder ?? ''} ${solverType ?? ''}: ${e.map((v) => v.toExponential(2)).join(', ')}\n`);
  return e;
}
const inRange = (values: number[], lo: number, hi: number, what: string) =>
  values
    .slice(1)
    .forEach((v) =>
      assert.ok(v >= lo && v <= hi, `${what}: slope ${v.toFixed(2)} outside ${lo}..${hi} (${values.map((s) => s.toFixed(2))})`),
    );

// The first step of every multistep method is first order (no warm-up calls), so its O(h²) local error
// caps the global order at 2; UniC adds one order to every step, the first included, so UniPC-p reaches p + 1.
test('DPM-Solver++(2M) is second order; 3M is second order globally (first-order start) and more accurate', async () => {
  const two = await errors('dpmpp-2m');
  const three = await errors('dpmpp-3m');
  inRange(slopes(two), 1.8, 2.3, 'dpmpp-2m');
  inRange(slopes(three), 1.9, 3.2, 'dpmpp-3m');
  three.forEach((e, i) => assert.ok(e < two[i] * 0.75, `3M ${e} vs 2M ${two[i]} at ${STEPS[i]} steps`));
});

test('UniPC with the corrector: order 1 → 2nd order, order 2 → 3rd order (bh1 and bh2), order 3 the most accurate', async () => {
  inRange(slopes(await errors('unipc', 1)), 1.8, 2.3, 'unipc-1');
  const bh2 = await errors('unipc', 2, 'bh2');
  inRange(slopes(bh2), 2.7, 3.3, 'unipc-2 bh2');
  inRange(slopes(await errors('unipc', 2, 'bh1')), 2.7, 3.3, 'unipc-2 bh1');
  const three = await errors('unipc', 3);
  three.forEach((e, i) => assert.ok(e < bh2[i], `order 3 ${e} vs order 2 ${bh2[i]} at ${STEPS[i]} steps`));
});

test('iPNDM is second order globally (Euler start) and its 4th-order steps beat 2nd-order ones', async () => {
  const four = await errors('ipndm');
  const two = await errors('ipndm', 2);
  inRange(slopes(four), 1.8, 2.4, 'ipndm');
  four.forEach((e, i) => assert.ok(e < two[i], `order 4 ${e} vs order 2 ${two[i]} at ${STEPS[i]} steps`));
});

test('iPNDM-v: its variable-step weights are the fixed Adams–Bashforth ones on equal steps and integrate a cubic exactly on uneven ones', () => {
  const fixed = [[1], [3 / 2, -1 / 2], [23 / 12, -16 / 12, 5 / 12], [55 / 24, -59 / 24, 37 / 24, -9 / 24]];
  fixed.forEach((expected, k) => {
    const nodes = Array.from({ length: k + 1 }, (_, j) => 5 + 0.5 * j); // σ falls by 0.5 a step, newest first
    adamsBashforthWeights(nodes, 4.5).forEach((w, j) => assert.ok(Math.abs(w - expected[j]) < 1e-12, `order ${k + 1} weight ${j}: ${w}`));
  });
  const cubic = (s: number) => 2 - 3 * s + 0.5 * s * s - 0.25 * s ** 3;
  const integral = (s: number) => 2 * s - 1.5 * s * s + s ** 3 / 6 - s ** 4 / 16;
  const nodes = [0.8, 1.9, 4.2, 9.5]; // σ of a geometric-looking grid, newest first
  const to = 0.05;
  const w = adamsBashforthWeights(nodes, to);
  const mean = w.reduce((sum, wj, j) => sum + wj * cubic(nodes[j]), 0);
  assert.ok(Math.abs(mean - (integral(to) - integral(nodes[0])) / (to - nodes[0])) < 1e-12, `mean ${mean}`);
  assert.ok(Math.abs(w.reduce((a, b) => a + b) - 1) < 1e-12, 'weights sum to 1');
});

test('iPNDM-v converges at 3rd–4th order where fixed-weight iPNDM is 2nd (uneven steps in σ), and 4th-order steps beat 2nd-order ones', async () => {
  const variable = await errors('ipndm-v');
  const fixed = await errors('ipndm');
  const two = await errors('ipndm-v', 2);
  inRange(slopes(variable).slice(1), 3.2, 4.6, 'ipndm-v');
  inRange(slopes(fixed).slice(1), 1.8, 2.4, 'ipndm');
  // at 16 steps one λ-step multiplies σ by 1.8, too far to extrapolate ε in σ: the fixed weights win there
  assert.ok(variable[2] < fixed[2] / 1.3 && variable[3] < fixed[3] / 4, `ipndm-v ${variable} vs ipndm ${fixed}`);
  variable.forEach((e, i) => assert.ok(e < two[i], `order 4 ${e} vs order 2 ${two[i]} at ${STEPS[i]} steps`));
});

test("UniPC bh1's final step into σ = 0 is finite: it is the plain x̂₀ step (diffusers gives NaN there)", async () => {
  for (const spacing of ['leading', 'karras', 'logsnr'] as const) {
    const r = await run(gaussianModel(), xT, 8, { sampler: 'unipc', solverType: 'bh1', steps: 10, spacing });
    assert.ok(r.x.every(Number.isFinite), `${spacing}: finite`);
    assert.deepEqual(r.x, r.steps.at(-1)!.x0, `${spacing}: the last step is x̂₀ of the last call`);
  }
});

test('every new solver makes one call per step at the grid timesteps, on every grid', async () => {
  for (const sampler of ['dpmpp-2m', 'dpmpp-3m', 'unipc', 'ipndm', 'ipndm-v'] as const) {
    assert.equal(METHODS[sampler].nfe(10), 10);
    for (const spacing of ['leading', 'trailing', 'linspace', 'karras', 'logsnr'] as const) {
      const model = gaussianModel();
      const r = await run(model, xT, 8, { sampler, steps: 10, spacing });
      assert.equal(r.nfe, 10, `${sampler} ${spacing}`);
      const settings = { ...DEFAULT_SETTINGS, sampler, steps: 10, spacing };
      assert.deepEqual(
        model.calls.map((c) => c.t),
        Array.from(gridFor(schedule, settings)),
        `${sampler} ${spacing}`,
      );
    }
  }
});

test('bad input: steps below the order, an order out of range, an unknown solver type, tuned with no grid', async () => {
  const settings = { ...DEFAULT_SETTINGS, steps: 10 };
  await assert.rejects(
    sample(gaussianModel(), schedule, xT, 8, { ...settings, sampler: 'dpmpp-3m', steps: 2 }),
    /DPM-Solver\+\+\(3M\) needs at least 3 steps \(its order\), got 2; use more steps or a lower order\./,
  );
  await assert.rejects(
    sample(gaussianModel(), schedule, xT, 8, { ...settings, sampler: 'unipc', steps: 2, options: { ...DEFAULT_OPTIONS, solverOrder: 3 } }),
    /UniPC needs at least 3 steps \(its order\), got 2/,
  );
  await assert.rejects(
    sample(gaussianModel(), schedule, xT, 8, { ...settings, sampler: 'unipc', options: { ...DEFAULT_OPTIONS, solverOrder: 4 } }),
    /UniPC takes a solver order from 1 to 3, got 4\./,
  );
  await assert.rejects(
    sample(gaussianModel(), schedule, xT, 8, {
      ...settings,
      sampler: 'unipc',
      options: { ...DEFAULT_OPTIONS, solverType: 'bh3' as never },
    }),
    /Unknown solver type "bh3"; use one of bh1, bh2/,
  );
  await assert.rejects(
    sample(gaussianModel(), schedule, xT, 8, { ...settings, sampler: 'ipndm', spacing: 'tuned' }),
    /There is no tuned grid for 10 steps of this model and sampler; make one with `pndm tune`/,
  );
  await assert.rejects(
    sample(gaussianModel(), schedule, xT, 8, {
      ...settings,
      sampler: 'ipndm',
      spacing: 'tuned',
      tunedGrid: [999, 500, 500, 1, 0, 0, 0, 0, 0, 0],
    }),
    /is not strictly decreasing whole timesteps inside 0..999; tune again/,
  );
});

test('σ-space grids: karras and logsnr run from σ_max to σ_min, then 0, and call the model at round(t(σ))', () => {
  const sigma = (ab: number) => Math.sqrt((1 - ab) / ab);
  for (const spacing of ['karras', 'logsnr'] as const) {
    const g = makeGrid(schedule, 10, spacing, { finalAlphaBar: 1 });
    assert.equal(g.t[0], 999);
    assert.equal(g.t[9], 0);
    assert.ok(Math.abs(sigma(g.alphaBar[0]) / sigma(alphaBar(999)) - 1) < 1e-12);
    assert.ok(Math.abs(sigma(g.alphaBar[9]) / sigma(alphaBar(0)) - 1) < 1e-12);
    assert.equal(g.alphaBar[10], 1);
    for (let i = 0; i < 10; i++) {
      // the rounded t is the training timestep whose σ is nearest in log σ
      const s = Math.log(sigma(g.alphaBar[i]));
      const d = (t: number) => Math.abs(Math.log(sigma(alphaBar(t))) - s);
      assert.ok(d(g.t[i]) <= Math.min(d(Math.max(0, g.t[i] - 1)), d(Math.min(999, g.t[i] + 1))) + 1e-12, `${spacing} point ${i}`);
    }
  }
  const lu = makeGrid(schedule, 10, 'logsnr', { finalAlphaBar: 1 });
  const lambdas = Array.from(lu.alphaBar.subarray(0, 10), lambdaOf);
  const step = lambdas[1] - lambdas[0];
  lambdas.forEach((l, i) => assert.ok(Math.abs(l - lambdas[0] - i * step) < 1e-9, `logsnr uniform in λ at ${i}`));
  // Karras: σ^(1/7) evenly spaced
  const k = makeGrid(schedule, 10, 'karras', { finalAlphaBar: 1 });
  const roots = Array.from(k.alphaBar.subarray(0, 10), (ab) => sigma(ab) ** (1 / 7));
  roots.forEach((r, i) => assert.ok(Math.abs(r - roots[0] - (i * (roots[9] - roots[0])) / 9) < 1e-9, `karras at ${i}`));
  // diffusers' DPM/UniPC leading grid differs from DDIM's: 900, 810, …, 90 for 10 steps
  assert.deepEqual(
    Array.from(makeGrid(schedule, 10, 'leading', { finalAlphaBar: 1, style: 'dpm' }).t),
    [900, 810, 720, 630, 540, 450, 360, 270, 180, 90],
  );
});
