import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { MessageType, type InitMessage } from '../../src/protocol';
import { closePanel, collect, generate, openPanel, pndm, recordTimings, SMALL, until } from './pndmHelpers';

describe('PNDM: runs in the panel', function () {
  this.timeout(300_000);
  afterEach(closePanel);

  it('a run on the bundled model delivers frames and a final grid, then the summary line', async () => {
    const panel = await openPanel();
    const run = await generate(panel, { ...SMALL, samples: 9 });
    assert.equal(run.messages[0].type, MessageType.RunStarted);
    assert.equal(run.end.type, MessageType.RunFinished, JSON.stringify(run.end));
    assert.ok(run.frames.length >= 3, `only ${run.frames.length} frames`);
    assert.equal(run.finalReceived, true);
    const final = run.frames[run.frames.length - 1];
    assert.equal(final.final, true);
    assert.equal(final.count, 9);
    assert.deepEqual([final.width, final.height, final.channels], [3 * 32 + 4, 3 * 32 + 4, 1]);
    assert.equal(final.pixels.byteLength, final.width * final.height);
    const bytes = new Uint8Array(final.pixels);
    assert.ok(bytes.some((b) => b > 200) && bytes.some((b) => b < 50), 'the final grid has no ink or no background');
    assert.equal(final.progress.step, 10);
    assert.equal(final.progress.nfe, 19);
    assert.match(run.summary!.line, /^F-PNDM, 10 steps, 9 samples: 19 model calls on cpu/);
    for (let i = 1; i < run.frameTimes.length; i++)
      assert.ok(run.frameTimes[i] - run.frameTimes[i - 1] >= 49, 'more than 20 frames a second');
    // a webview that comes back (hidden, then shown) says Ready again and is repainted from Init
    const init = collect(panel, (m) => m.type === MessageType.Init);
    await panel.handleMessage({ type: MessageType.Ready });
    const again = (await init).messages.at(-1) as InitMessage;
    assert.equal(again.running, false);
    assert.equal(again.lastFrame?.progress?.step, 10);
    assert.equal(again.lastFrame?.pixels.byteLength, final.width * final.height, 'the last frame was not kept intact');
    assert.equal(again.lastSummary?.line, run.summary!.line);
  });

  it('seed −1 draws a seed, reported in the summary; Generate while running is refused', async () => {
    const panel = await openPanel();
    const watching = generate(panel, { ...SMALL, seed: -1, steps: 20 });
    await until(() => panel.run.value !== undefined, 'the run to start');
    const refusal = collect(panel, (m) => m.type === MessageType.Notice);
    await panel.handleMessage({ type: MessageType.Generate, settings: SMALL });
    assert.match(((await refusal).messages.at(-1) as { message: string }).message, /already going/);
    const run = await watching;
    const seed = run.summary!.settings.seed;
    assert.ok(Number.isInteger(seed) && seed >= 0 && seed <= 4294967295, `seed ${seed}`);
  });

  it('Cancel stops the run within one model call', async () => {
    const panel = await openPanel();
    const watching = generate(panel, { ...SMALL, sampler: 'ddim', steps: 200, samples: 16 });
    await collect(panel, (m) => m.type === MessageType.Frame && m.progress.step >= 2);
    const cancelledAt = performance.now();
    await panel.handleMessage({ type: MessageType.Cancel });
    const run = await watching;
    assert.equal(run.end.type, MessageType.RunCancelled);
    const lastStep = Math.max(...run.frames.map((f) => f.progress.step));
    assert.ok(lastStep < 200);
    const perCallMs = (cancelledAt - run.started) / Math.max(lastStep, 1);
    // goal: the run stops within the model call under way (plus the message round trip)
    const goal = 2 * perCallMs + 500;
    await recordTimings('cancel', { cancelMs: run.ended - cancelledAt, perCallMs }, { cancelMs: { goal, sanity: 10 * goal } });
    assert.equal(panel.run.value, undefined);
    const next = await generate(panel, SMALL);
    assert.equal(next.end.type, MessageType.RunFinished, 'the run after a cancel did not work');
  });

  it('closing the panel cancels the run and ends the worker', async () => {
    const panel = await openPanel();
    const watching = generate(panel, { ...SMALL, sampler: 'ddim', steps: 200 });
    await collect(panel, (m) => m.type === MessageType.Frame);
    assert.ok(panel.client.threadId !== undefined, 'no worker while running');
    const run = panel.run.value!;
    panel.panel.dispose();
    const outcome = await run.done;
    assert.equal(outcome.kind, 'cancelled');
    assert.equal(panel.client.threadId, undefined, 'the worker is still running');
    assert.equal((await pndm()).panel(), undefined);
    await watching; // settles when the panel closes
  });

  it('a worker crash reaches the panel as an error, and the next run starts a new worker', async () => {
    const panel = await openPanel();
    const watching = generate(panel, { ...SMALL, sampler: 'ddim', steps: 200 });
    await collect(panel, (m) => m.type === MessageType.Frame);
    const before = panel.client.threadId;
    await panel.client.killForTest();
    const run = await watching;
    assert.equal(run.end.type, MessageType.Error);
    assert.match((run.end as { message: string }).message, /sampling worker stopped unexpectedly/);
    const next = await generate(panel, SMALL);
    assert.equal(next.end.type, MessageType.RunFinished);
    assert.notEqual(panel.client.threadId, before);
  });

  it('a file that is not an ONNX model gives a clear error in the panel, and the bundled model still works', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pndm-bad-'));
    const bad = join(dir, 'broken.onnx');
    writeFileSync(bad, '<html>not a model</html>');
    const panel = await openPanel();
    const error = collect(panel, (m) => m.type === MessageType.Error);
    await vscode.commands.executeCommand('pndm.sampleFromModel', vscode.Uri.file(bad));
    assert.match(((await error).messages.at(-1) as { message: string }).message, /is not an ONNX model/);
    await panel.handleMessage({ type: MessageType.UseBundledModel });
    assert.equal((await panel.model.ready)?.bundled, true);
    assert.equal((await generate(panel, SMALL)).end.type, MessageType.RunFinished);
  });
});
