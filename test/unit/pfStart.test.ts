/**
 * The probability-flow ODE starts where x_T was drawn, t = T−1, whatever --steps says (issue 7, item 2):
 * it used to start at grid[0] of the leading grid, so --steps 10 and 50 solved different problems and
 * --steps 1 (grid [0]) returned x_T almost unchanged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactOdeSolution, rms } from '../support/gaussianModel';
import { alphaBar, GAUSSIAN, gaussianModel, noiseFor, run } from '../support/sampling';

test('pf solves the same ODE from t = T−1 for any number of steps and any spacing: the same samples', async () => {
  const xT = noiseFor(4, 64, 6);
  // to ᾱ[0], so that the model is never asked below t = 0 (where it is clamped)
  const exact = exactOdeSolution(xT, alphaBar(999), alphaBar(0), GAUSSIAN);
  let first: Float32Array | undefined;
  for (const spacing of ['leading', 'linspace'] as const) {
    for (const steps of [1, 10, 50]) {
      const model = gaussianModel();
      const r = await run(model, xT, 4, { sampler: 'pf', steps, spacing, finalAlphaBar: 'first' });
      const error = rms(r.x, exact);
      assert.equal(model.calls[0].t, 999, `${spacing} ${steps}: the first call is at T−1`);
      assert.ok(error < 1e-3, `${spacing} ${steps} steps: RMS ${error.toExponential(2)} from the exact solution from t = 999`);
      assert.equal(r.steps.at(-1)!.progress, 1);
      first ??= r.x;
      assert.deepEqual(r.x, first, `${spacing} ${steps}: the same samples`);
    }
  }
});
