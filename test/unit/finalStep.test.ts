/**
 * The final-step convention (issue 7, item 3). With diffusers' set_alpha_to_one = false the last step of
 * DDIM and the pseudo numerical methods goes to ᾱ[0] instead of 1; but FON's right-hand side
 * f(x, t) = φ(x, ε, t → t−1) − x is the ODE's, where ᾱ(−1) = 1 whatever the convention (with ᾱ(−1) = ᾱ[0]
 * it vanished at t = 0), and DDPM's last step always goes to ᾱ = 1 (diffusers' DDPMScheduler has no
 * set_alpha_to_one).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactOdeSolution, rms } from '../support/gaussianModel';
import { alphaBar, GAUSSIAN, gaussianModel, noiseFor, run } from '../support/sampling';

test('FON: the convention changes only the final step into the clean end, never the ODE steps before it', async () => {
  const xT = noiseFor(4, 64, 2);
  const one = await run(gaussianModel(), xT, 4, { sampler: 'fon', steps: 10, finalAlphaBar: 'one' });
  const first = await run(gaussianModel(), xT, 4, { sampler: 'fon', steps: 10, finalAlphaBar: 'first' });
  // the step 100 → 0 evaluates f(·, 0), which needs ᾱ(−1): it must be the ODE's 1 in both runs
  for (let i = 0; i < 9; i++) assert.deepEqual(first.steps[i].x, one.steps[i].x, `step ${i + 1} of 10`);
  // the final step goes to ᾱ[0] = ᾱ(0): a step of length zero
  assert.deepEqual(first.x, first.steps[8].x);
  assert.ok(rms(first.x, exactOdeSolution(xT, alphaBar(900), alphaBar(0), GAUSSIAN)) < 5e-3);
});

test("DDPM's last step goes to ᾱ = 1 whatever the final-step convention", async () => {
  const xT = noiseFor(2, 64, 4);
  const one = await run(gaussianModel(), xT, 2, { sampler: 'ddpm', steps: 10, finalAlphaBar: 'one' }, 4);
  const first = await run(gaussianModel(), xT, 2, { sampler: 'ddpm', steps: 10, finalAlphaBar: 'first' }, 4);
  assert.deepEqual(first.x, one.x);
  assert.deepEqual(first.steps.at(-1)!.tNext, -1);
});
