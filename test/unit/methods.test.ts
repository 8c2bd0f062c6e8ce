import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { METHODS, pseudoStep, resolveSampler, SAMPLER_NAMES, SeededNoise, timesteps, type SamplerName } from '../../src/sampler';
import { alphaBar, gaussianModel, noiseFor, run } from '../support/sampling';
import { referenceFile } from '../support/paths';

const PER_IMAGE = 16;

test('every sampler: shape, finite values, deterministic for a seed, x_T untouched, one report per step', async () => {
  for (const name of SAMPLER_NAMES) {
    const xT = noiseFor(3, PER_IMAGE, 7);
    const copy = xT.slice();
    const settings = { sampler: name, steps: 12, eta: 0.5 };
    const a = await run(gaussianModel(), xT, 3, settings, 7);
    const b = await run(gaussianModel(), xT, 3, settings, 7);
    assert.equal(a.x.length, xT.length, name);
    assert.ok(a.x.every(Number.isFinite), `${name} finite`);
    assert.deepEqual(a.x, b.x, `${name} deterministic`);
    assert.deepEqual(xT, copy, `${name} leaves x_T alone`);
    if (name !== 'pf') assert.equal(a.steps.length, 12, `${name} reports each step`);
    assert.equal(a.steps.at(-1)!.nfe, a.nfe);
    assert.equal(a.steps.at(-1)!.progress, 1);
    assert.ok(a.steps.every((s) => s.x0.length === xT.length));
  }
});

test('NFE counts: DDIM N, S-PNDM N+1, F-PNDM N+9, PLMS N+1, FON 4N−3, DDPM N', async () => {
  const expected: Record<string, (n: number) => number> = {
    ddim: (n) => n,
    's-pndm': (n) => (n > 1 ? n + 1 : 1),
    'f-pndm': (n) => (n >= 4 ? n + 9 : 4 * n - 3),
    plms: (n) => (n > 1 ? n + 1 : 1),
    fon: (n) => 4 * n - 3,
    ddpm: (n) => n,
  };
  for (const [name, nfe] of Object.entries(expected)) {
    for (const n of [1, 2, 3, 4, 5, 10, 50]) {
      const model = gaussianModel();
      const r = await run(model, noiseFor(1, 4), 1, { sampler: name as SamplerName, steps: n });
      assert.equal(r.nfe, nfe(n), `${name} ${n}`);
      assert.equal(model.calls.length, nfe(n));
      assert.equal(METHODS[name as SamplerName].nfe(n), nfe(n), `${name} ${n} declared`);
      assert.ok(
        model.calls.every((c) => c.t >= 0 && c.t <= 999),
        `${name} ${n}: model never asked outside 0..999`,
      );
    }
  }
});

test("model-call timesteps are exactly the manifest's for every reference configuration", async () => {
  const manifest = JSON.parse(readFileSync(referenceFile('manifest.json'), 'utf8'));
  const names: Record<string, SamplerName> = { DDIM: 'ddim', 'S-PNDM': 's-pndm', 'F-PNDM': 'f-pndm', FON: 'fon' };
  for (const config of manifest.configs) {
    const model = gaussianModel();
    const r = await run(model, noiseFor(1, 4), 1, { sampler: names[config.method], steps: config.steps });
    assert.deepEqual(
      model.calls.map((c) => c.t),
      config.model_call_timesteps.flat(),
      `${config.method} ${config.steps}`,
    );
    assert.equal(r.nfe, config.nfe);
    assert.deepEqual(Array.from(timesteps(1000, config.steps)), config.timesteps);
  }
});

test('regression: F-PNDM warm-up history holds the raw first output ε(x, t), not the Runge–Kutta combination', async () => {
  // With ε(x, t) = c(t) independent of x the fourth step's direction is exactly
  // (55c(t₃) − 59c(t₂) + 37c(t₁) − 9c(t₀))/24 with raw outputs; storing the combination (c(t)+4c(t_m)+c(t′))/6 differs.
  const c = (t: number) => Math.fround(Math.sin(t / 97) + t / 1000);
  const calls: { t: number; x: Float32Array }[] = [];
  const model = {
    async eps(x: Float32Array, t: number) {
      calls.push({ t, x: x.slice() });
      return new Float32Array(x.length).fill(c(t));
    },
  };
  await run(model, noiseFor(1, 8), 1, { sampler: 'f-pndm', steps: 10 });
  const grid = [900, 800, 700, 600];
  // calls 0–11 are the three warm-up steps; call 12 is step 3's (t = 600) only call, call 13 step 4's,
  // whose input is step 3's result
  assert.equal(calls[12].t, 600);
  const e = (t: number) => new Float32Array(8).fill(c(t));
  const ab4 = new Float32Array(8);
  for (let i = 0; i < 8; i++) {
    let acc = Math.fround(55 * e(grid[3])[i]);
    acc = Math.fround(acc + Math.fround(-59 * e(grid[2])[i]));
    acc = Math.fround(acc + Math.fround(37 * e(grid[1])[i]));
    acc = Math.fround(acc + Math.fround(-9 * e(grid[0])[i]));
    ab4[i] = acc / 24;
  }
  const expected = pseudoStep(calls[12].x, ab4, alphaBar(600), alphaBar(500));
  assert.deepEqual(calls[13].x, expected);
});

test('PLMS uses AB2, AB3, then AB4 on raw outputs after one improved-Euler step (diffusers skip_prk_steps)', async () => {
  const c = (t: number) => Math.fround(Math.cos(t / 50));
  const calls: { t: number; x: Float32Array }[] = [];
  const model = {
    async eps(x: Float32Array, t: number) {
      calls.push({ t, x: x.slice() });
      return new Float32Array(x.length).fill(c(t));
    },
  };
  await run(model, noiseFor(1, 2), 1, { sampler: 'plms', steps: 10 });
  assert.deepEqual(
    calls.map((k) => k.t),
    [900, 800, 800, 700, 600, 500, 400, 300, 200, 100, 0],
  );
  const rules: [number[], number, number[]][] = [
    [[3, -1], 2, [800, 900]],
    [[23, -16, 5], 12, [700, 800, 900]],
    [[55, -59, 37, -9], 24, [600, 700, 800, 900]],
    [[55, -59, 37, -9], 24, [500, 600, 700, 800]],
  ];
  for (const [k, [coefficients, divisor, ts]] of rules.entries()) {
    const from = ts[0];
    const input = calls[2 + k].x;
    let acc = Math.fround(coefficients[0] * c(ts[0]));
    for (let j = 1; j < ts.length; j++) acc = Math.fround(acc + Math.fround(coefficients[j] * c(ts[j])));
    const direction = new Float32Array(2).fill(acc / divisor);
    assert.deepEqual(calls[3 + k].x, pseudoStep(input, direction, alphaBar(from), alphaBar(from - 100)), `step ${k + 1}`);
  }
});

test('DDIM η: 0 is the deterministic step; η > 0 depends on the seed and not on the batch', async () => {
  const xT = noiseFor(2, PER_IMAGE);
  const plain = await run(gaussianModel(), xT, 2, { sampler: 'ddim', steps: 10 });
  const eta0 = await run(gaussianModel(), xT, 2, { sampler: 'ddim', steps: 10, eta: 0 }, 99);
  assert.deepEqual(plain.x, eta0.x);
  const a = await run(gaussianModel(), xT, 2, { sampler: 'ddim', steps: 10, eta: 1 }, 1);
  const b = await run(gaussianModel(), xT, 2, { sampler: 'ddim', steps: 10, eta: 1 }, 2);
  assert.notDeepEqual(a.x, b.x);
  const single = await run(gaussianModel(), xT.subarray(0, PER_IMAGE).slice(), 1, { sampler: 'ddim', steps: 10, eta: 1 }, 1);
  assert.deepEqual(single.x, a.x.subarray(0, PER_IMAGE), 'image 0 is the same alone or in a batch');
});

test('seeded noise: documented stream, standard normal statistics, per-image independence', () => {
  const first = new Float32Array(4);
  new SeededNoise(0).fill(0, first);
  const again = new Float32Array(4);
  new SeededNoise(0).fill(0, again);
  assert.deepEqual(first, again);
  const big = new Float32Array(200000);
  new SeededNoise(42).fill(3, big);
  const mean = big.reduce((s, v) => s + v, 0) / big.length;
  const variance = big.reduce((s, v) => s + (v - mean) ** 2, 0) / big.length;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.01, `variance ${variance}`);
  const other = new Float32Array(4);
  new SeededNoise(0).fill(1, other);
  assert.notDeepEqual(first, other);
  assert.throws(() => new SeededNoise(-1), /The seed must be a whole number from 0 to 4294967295, got -1/);
  assert.throws(() => new SeededNoise(1.5), /got 1.5/);
});

test('sampler names: aliases and a helpful error', () => {
  assert.equal(resolveSampler('pndm'), 'f-pndm');
  assert.equal(resolveSampler(' F-PNDM '), 'f-pndm');
  assert.equal(resolveSampler('ddim'), 'ddim');
  assert.throws(
    () => resolveSampler('euler'),
    /Unknown sampler "euler"; use one of f-pndm, s-pndm, fon, plms, ddim, pf, ddpm, dpmpp-2m, dpmpp-3m, unipc, ipndm, ipndm-v, pndm/,
  );
});
