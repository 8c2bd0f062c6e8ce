// The extension's worker pipeline in plain Node (dist/worker.js, built with the tests): a run's saved
// PNG or "Copy settings" JSON given to `pndm sample --settings` reproduces the panel's grid pixel for pixel;
// cancel, a bad model and a crashed worker end requests with clear messages, and the client recovers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pngTextOf, settingsFileOf } from '../../src/extension/modelSummary';
import { RunFailed, WorkerClient } from '../../src/extension/workerClient';
import { SOLVER_OPTION_DEFAULTS, type RunSettings } from '../../src/protocol';
import { encodeGridPng, tileGrid } from '../../src/runner/png';
import { bundledModel, repoRoot } from '../support/paths';
import { decodePng } from '../support/png';

const worker = () => join(repoRoot(), 'dist', 'worker.js');
const settings: RunSettings = {
  sampler: 'ddim',
  steps: 5,
  samples: 4,
  seed: 7,
  spacing: 'leading',
  eta: 0,
  variance: 'auto',
  ...SOLVER_OPTION_DEFAULTS,
  provider: 'cpu',
  preview: 'x0',
};
const request = (patch: Partial<RunSettings> = {}) => ({ ...settings, ...patch, modelPath: bundledModel() });

/** Run `patch` in the worker, save it as the panel does, and check that `pndm sample --settings` draws the same grid. */
async function checkCliParity(client: WorkerClient, patch: Partial<RunSettings>) {
  const frames: boolean[] = [];
  const done = await client.run(request(patch), { onFrame: (f) => frames.push(f.final) }).done;
  assert.equal(frames.at(-1), true);
  const summary = {
    settings: { ...settings, ...patch },
    nfe: done.nfe,
    provider: done.provider,
    wallMs: done.wallMs,
    modelMs: done.modelMs,
    line: done.line,
    sampling: done.settings,
  };
  const dir = mkdtempSync(join(tmpdir(), 'pndm-parity-'));
  // what Save writes (the same functions, without the vscode dialogs) and what Copy settings copies
  writeFileSync(
    join(dir, 'panel.png'),
    encodeGridPng(new Float32Array(done.x), done.count, done.shape, await pngTextOf(summary, bundledModel())),
  );
  const recipe = await settingsFileOf(summary, bundledModel());
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(recipe));
  const fromPanel = tileGrid(new Float32Array(done.x), done.count, done.shape);
  for (const saved of ['panel.png', 'settings.json']) {
    const cli = spawnSync(
      process.execPath,
      [join(repoRoot(), 'bin', 'pndm.js'), 'sample', '--settings', join(dir, saved), '--out', join(dir, `cli-${saved}.png`)],
      { encoding: 'utf8' },
    );
    assert.equal(cli.status, 0, cli.stderr);
    const fromCli = decodePng(readFileSync(join(dir, `cli-${saved}.png`)));
    assert.deepEqual([fromCli.width, fromCli.height], [fromPanel.width, fromPanel.height]);
    assert.ok(Buffer.from(fromPanel.pixels).equals(fromCli.pixels), `the CLI drew different pixels from ${saved}`);
  }
  return { done, recipe };
}

test("the panel's saved PNG and its copied settings make `pndm sample --settings` draw exactly the panel's grid", async () => {
  const client = new WorkerClient(worker(), () => undefined);
  try {
    await checkCliParity(client, {});
  } finally {
    client.dispose();
  }
});

test("the panel's solver order, B(h) and ε scale reach the sampler, its recipe and its summary line, and the CLI replays them", async () => {
  const client = new WorkerClient(worker(), () => undefined);
  try {
    const unipc = { sampler: 'unipc', steps: 6 } as const;
    const plain = await checkCliParity(client, unipc);
    assert.equal(plain.recipe.solverOrder, undefined);
    assert.equal(plain.recipe.solverType, 'bh2');
    assert.equal(plain.recipe.epsScale, undefined);
    assert.match(plain.done.line, /^UniPC, 6 steps, 4 samples: 6 model calls/);
    const tuned = await checkCliParity(client, { ...unipc, solverOrder: 3, solverType: 'bh1', epsScale: 1.02 });
    assert.deepEqual([tuned.recipe.solverOrder, tuned.recipe.solverType, tuned.recipe.epsScale], [3, 'bh1', 1.02]);
    assert.match(tuned.done.line, /^UniPC, 6 steps \(order 3, bh1, ε × 1\.02\), 4 samples: 6 model calls/);
    const [a, b] = [new Float32Array(plain.done.x), new Float32Array(tuned.done.x)];
    let largest = 0;
    for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
    assert.ok(largest > 0.01, `the options changed the samples by only ${largest}`);
    // an order on a sampler without one is not recorded: it never shaped the samples
    const ddim = await checkCliParity(client, { solverOrder: 3 });
    assert.equal(ddim.recipe.solverOrder, undefined);
    assert.match(ddim.done.line, /^DDIM, 5 steps, 4 samples/);
  } finally {
    client.dispose();
  }
});

test('cancel, a bad model and a crash end requests clearly; the client then starts a new worker', async () => {
  const client = new WorkerClient(worker(), () => undefined);
  try {
    const long = client.run(request({ steps: 500, samples: 2 }), { onFrame: () => client.cancel(long.id) });
    await assert.rejects(long.done, (e: unknown) => e instanceof RunFailed && e.cancelled && /cancelled/.test(e.message));

    await assert.rejects(client.load(join(repoRoot(), 'package.json'), 'cpu'), /is not an ONNX model/);

    const doomed = client.run(request({ steps: 500, samples: 2 }), { onFrame: () => undefined });
    const first = client.threadId;
    await client.killForTest();
    await assert.rejects(doomed.done, (e: unknown) => e instanceof RunFailed && !e.cancelled && /stopped unexpectedly/.test(e.message));

    const after = await client.run(request({ steps: 2 }), { onFrame: () => undefined }).done;
    assert.equal(after.nfe, 2);
    assert.notEqual(client.threadId, first);
  } finally {
    client.dispose();
  }
  assert.equal(client.threadId, undefined);
  await assert.rejects(client.load(bundledModel(), 'cpu'), /closed/);
});

test('a panel closed mid-run and a new one opened at once: the new worker starts only after the old one has exited', async () => {
  const events: string[] = [];
  const log = (who: string) => (_level: string, message: string) => {
    if (/Sampling worker started|released \d+ session/.test(message)) events.push(`${who}: ${message.replace(/ \(thread \d+\)/, '')}`);
  };
  const first = new WorkerClient(worker(), log('first'));
  let frames = 0;
  const running = first.run(request({ steps: 200 }), { onFrame: () => frames++ });
  while (frames === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  first.dispose(); // the panel closed: its worker stops its run and releases its sessions
  await assert.rejects(running.done, (error: RunFailed) => error.cancelled);
  const second = new WorkerClient(worker(), log('second'));
  try {
    const done = await second.run(request(), { onFrame: () => undefined }).done;
    assert.equal(done.nfe, 5);
    const exited = await first.lastExit!;
    assert.equal(exited.code, 0);
    assert.deepEqual(events, [
      'first: Sampling worker started.',
      'first: The sampling worker released 1 session(s) and is exiting.',
      'second: Sampling worker started.',
    ]);
  } finally {
    second.dispose();
    await second.lastExit;
  }
});

test('a worker slow to shut down (inside a long model call) is waited for with a warning, never terminated', async () => {
  // terminate() while session.run is inside onnxruntime aborts the whole process; this stand-in blocks
  // its thread for 800 ms after being asked to stop, as a long model call would, then exits by itself
  const dir = mkdtempSync(join(tmpdir(), 'pndm-slow-worker-'));
  const script = join(dir, 'slow-worker.js');
  writeFileSync(
    script,
    `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.type === 'stats') parentPort.postMessage({ type: 'stats', id: m.id, heapUsed: 0, external: 0, rss: 0, sessions: 0, runs: 0 });
  if (m.type === 'shutdown') {
    const end = Date.now() + 800;
    while (Date.now() < end);
    parentPort.postMessage({ type: 'released', sessions: 1 });
    process.exit(0);
  }
});
`,
  );
  const warnings: string[] = [];
  const client = new WorkerClient(script, (level, message) => level === 'warn' && warnings.push(message), { shutdownGraceMs: 100 });
  await client.stats();
  client.dispose();
  const exit = await client.lastExit!;
  assert.deepEqual({ code: exit.code, released: exit.sessionsReleased }, { code: 0, released: 1 }, 'the worker was terminated');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /has not exited 0\.1 s after being asked to: it is still inside a model call/);
});
