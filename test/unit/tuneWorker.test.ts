// "PNDM: Tune Grid for This Model" below its VS Code UI: the sampling worker runs the same tuner as
// `pndm tune` (same grid from the same sizes), saves it where `tuned` finds it, reports progress, stops
// on cancel without saving, and refuses a sampler with no fixed grid in one sentence.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RunFailed, WorkerClient } from '../../src/extension/workerClient';
import { loadTunedGrid } from '../../src/tune/store';
import { bundledModel, repoRoot } from '../support/paths';

const cache = mkdtempSync(join(tmpdir(), 'pndm-tune-worker-'));
process.env.PNDM_CACHE_DIR = cache; // read by the worker (it inherits the environment) and by loadTunedGrid here
after(() => rmSync(cache, { recursive: true, force: true }));
const worker = () => join(repoRoot(), 'dist', 'worker.js');
// the DP start too, so that the worker's and the CLI's both take it
const sizes = { trajectories: 1, referenceSteps: 20, start: 'dp', candidates: 8, sweeps: 1, heldOut: 2 } as const;

test('the worker tunes and saves the grid pndm tune finds with the same sizes, with progress', async () => {
  const client = new WorkerClient(worker(), () => undefined);
  try {
    const phases = new Set<string>();
    const reply = await client.tune(
      { modelPath: bundledModel(), sampler: 'ddim', steps: 3, ...sizes },
      { onProgress: (p) => phases.add(p.phase) },
    ).done;
    assert.deepEqual([...phases], ['reference', 'costs', 'search', 'refine', 'held-out']);
    assert.equal(reply.timesteps.length, 3);
    assert.ok(
      reply.timesteps.every((t, i) => Number.isInteger(t) && t >= 0 && t < 1000 && (i === 0 || t < reply.timesteps[i - 1])),
      reply.timesteps.join(),
    );
    assert.ok(reply.rms <= reply.baseline.rms, `${reply.rms} vs ${reply.baseline.spacing} ${reply.baseline.rms}`);
    assert.ok(existsSync(reply.file), reply.file);
    assert.deepEqual(loadTunedGrid(bundledModel(), 'ddim', 3)?.timesteps, reply.timesteps);
    assert.match(reply.lines.at(-1)!, /^saved .* use it with --spacing tuned$/);
    const heldOut = reply.lines.find((l) => l.startsWith('held out'));
    assert.match(
      heldOut ?? '',
      /^held out \(2 other trajectories\): tuned (\d\.\d{4}), (leading|linspace|trailing|karras|logsnr) (\d\.\d{4})/,
    );

    const cliCache = mkdtempSync(join(tmpdir(), 'pndm-tune-cli-'));
    try {
      const args = [
        'tune',
        '--sampler',
        'ddim',
        '--steps',
        '3',
        '--trajectories',
        '1',
        '--reference-steps',
        '20',
        '--start',
        'dp',
        '--candidates',
        '8',
        '--sweeps',
        '1',
        '--held-out',
        '2',
      ];
      const printed = execFileSync(process.execPath, [join(repoRoot(), 'bin', 'pndm.js'), ...args], {
        env: { ...process.env, PNDM_CACHE_DIR: cliCache },
        stdio: 'pipe',
      }).toString();
      assert.ok(printed.split('\n').includes(heldOut!), `the CLI's report has the same held-out line:\n${printed}`);
      const saved = readdirSync(cliCache, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.json'));
      assert.equal(saved.length, 1, saved.join());
      const grid = JSON.parse(readFileSync(join(cliCache, saved[0]), 'utf8')) as { timesteps: number[] };
      assert.deepEqual(grid.timesteps, reply.timesteps);
    } finally {
      rmSync(cliCache, { recursive: true, force: true });
    }
  } finally {
    client.dispose();
  }
});

test('a cancelled tune saves nothing; a sampler with no fixed grid is refused in one sentence', async () => {
  const client = new WorkerClient(worker(), () => undefined);
  try {
    const job = client.tune({ modelPath: bundledModel(), sampler: 'ipndm', steps: 7 }, { onProgress: () => client.cancel(job.id) });
    await assert.rejects(job.done, (e: unknown) => e instanceof RunFailed && e.cancelled && /Tuning was cancelled/.test(e.message));
    assert.equal(loadTunedGrid(bundledModel(), 'ipndm', 7), undefined);
    const bad = client.tune({ modelPath: bundledModel(), sampler: 'ddpm', steps: 5 }, { onProgress: () => undefined });
    await assert.rejects(
      bad.done,
      (e: unknown) => e instanceof RunFailed && !e.cancelled && /ddpm has no fixed grid to tune; use a deterministic/.test(e.message),
    );
  } finally {
    client.dispose();
  }
});
