/**
 * Where we deliberately differ from diffusers (README, "Where we differ from diffusers"; issue 7, item 5).
 * On grids that are not evenly strided — linspace, and trailing when T mod N ≠ 0 — DDIM and PLMS step
 * from each grid point to the next one, and the last step to the clean end (t = −1). diffusers' DDIM
 * and PNDM schedulers step to t − ⌊T/N⌋ whatever the grid (their issues 11347 and 12633), so they leave
 * the grid after the first step and their last step ends at t ≥ 0 rather than at the clean end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timesteps } from '../../src/sampler';
import { gaussianModel, noiseFor, run } from '../support/sampling';

const T = 1000;
const N = 7; // ⌊T/N⌋ = 142, T mod N = 6

const CASES = {
  linspace: { grid: [999, 832, 666, 500, 333, 166, 0], targets: [832, 666, 500, 333, 166, 0, -1] },
  trailing: { grid: [999, 856, 713, 570, 428, 285, 142], targets: [856, 713, 570, 428, 285, 142, -1] },
} as const;

for (const [spacing, expected] of Object.entries(CASES) as [keyof typeof CASES, (typeof CASES)[keyof typeof CASES]][]) {
  test(`${spacing}, ${N} of ${T} steps: DDIM and PLMS step to the next grid point, not t − ⌊T/N⌋ as diffusers`, async () => {
    assert.deepEqual(Array.from(timesteps(T, N, spacing)), expected.grid);
    const diffusersTargets = expected.grid.map((t) => t - Math.floor(T / N));
    assert.notDeepEqual(diffusersTargets, expected.targets.slice(0, N));
    for (const sampler of ['ddim', 'plms'] as const) {
      const model = gaussianModel();
      const r = await run(model, noiseFor(1, 8), 1, { sampler, steps: N, spacing });
      assert.deepEqual(
        r.steps.map((s) => [s.t, s.tNext]),
        expected.grid.map((t, i) => [t, expected.targets[i]]),
        `${sampler}: each step from a grid point to the next`,
      );
      // every model call is on the grid (PLMS's warm-up evaluates the step's end point, the next grid point)
      assert.ok(
        model.calls.every((c) => (expected.grid as readonly number[]).includes(c.t)),
        `${sampler} calls: ${model.calls.map((c) => c.t).join(', ')}`,
      );
    }
  });
}
