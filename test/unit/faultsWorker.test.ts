// Faults of the sampling worker in plain Node (dist/worker.js, built with the tests): a bug that throws
// in the worker or leaves a rejection unhandled, a model file deleted mid-run, and a shutdown in the
// middle of a run. Every request ends with a clear message, and the client works again afterwards.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunFailed, WorkerClient } from '../../src/extension/workerClient';
import type { RunRequest } from '../../src/extension/workerProtocol';
import { bundledModel, repoRoot } from '../support/paths';
import { SOLVER_OPTION_DEFAULTS } from '../../src/protocol';

const worker = () => join(repoRoot(), 'dist', 'worker.js');
const request = (patch: Partial<RunRequest> = {}): Omit<RunRequest, 'type' | 'id'> => ({
  modelPath: bundledModel(),
  provider: 'cpu',
  sampler: 'ddim',
  steps: 4,
  spacing: 'leading',
  eta: 0,
  variance: 'auto',
  ...SOLVER_OPTION_DEFAULTS,
  samples: 2,
  seed: 1,
  preview: 'x0',
  ...patch,
});

/** Start a long run and resolve once its first denoised frame arrived. */
async function longRun(client: WorkerClient, patch: Partial<RunRequest> = {}) {
  let seen!: () => void;
  const stepped = new Promise<void>((resolve) => (seen = resolve));
  const run = client.run(request({ steps: 1000, ...patch }), { onFrame: (f) => f.progress.step >= 1 && seen() });
  run.done.catch(() => undefined);
  await stepped;
  return run;
}

for (const how of ['throw', 'reject'] as const) {
  test(`an uncaught ${how === 'throw' ? 'exception' : 'rejection'} in the worker fails the run clearly; the next run works`, async () => {
    const client = new WorkerClient(worker(), () => undefined);
    try {
      const run = await longRun(client);
      const first = client.threadId;
      const exit = client.lastExit!;
      client.crashForTest(how);
      await assert.rejects(run.done, (e: unknown) => {
        assert.ok(e instanceof RunFailed && !e.cancelled);
        assert.match(e.message, /^The sampling worker crashed \(Injected failure \(test\): [^)]*\)\. Generate again to start a new one\.$/);
        return true;
      });
      assert.notEqual((await exit).code, 0);
      const next = await client.run(request(), { onFrame: () => undefined }).done;
      assert.equal(next.nfe, 4);
      assert.notEqual(client.threadId, first);
    } finally {
      client.dispose();
    }
  });
}

test('a model file deleted mid-run: the run finishes from memory, the next run says "not found"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pndm-deleted-'));
  const copy = join(dir, 'copy.onnx');
  copyFileSync(bundledModel(), copy);
  const client = new WorkerClient(worker(), () => undefined);
  try {
    const run = await longRun(client, { modelPath: copy, steps: 30 });
    rmSync(copy);
    assert.equal((await run.done).nfe, 30);
    await assert.rejects(client.run(request({ modelPath: copy }), { onFrame: () => undefined }).done, (e: unknown) => {
      assert.equal((e as Error).message, `Model file not found: ${copy}. Check the path, or choose an existing .onnx file.`);
      return true;
    });
    assert.equal((await client.run(request(), { onFrame: () => undefined }).done).nfe, 4);
  } finally {
    client.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dispose mid-run: the run ends as cancelled, the worker releases its sessions and exits with 0', async () => {
  const client = new WorkerClient(worker(), () => undefined);
  const run = await longRun(client);
  await client.load(bundledModel(), 'auto'); // a second session in the cache
  const stats = await client.stats(true);
  assert.equal(stats.sessions, 2);
  assert.equal(stats.runs, 1);
  assert.ok(stats.heapUsed > 0 && stats.rss > stats.heapUsed);
  const exit = client.lastExit!;
  client.dispose();
  await assert.rejects(run.done, (e: unknown) => e instanceof RunFailed && e.cancelled);
  const ended = await exit;
  assert.equal(ended.code, 0);
  assert.equal(ended.sessionsReleased, 2);
  assert.equal(client.threadId, undefined);
});
