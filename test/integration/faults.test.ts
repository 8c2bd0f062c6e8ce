/**
 * Faults in the middle of a run, in a real VS Code: cancel, closing the panel, the worker crashing, the
 * model switched or its file deleted, the output folder read-only or full. Each case checks the message
 * the user gets, that nothing partial is left, and that the next run (and save) works.
 * (Cancel mid-run and a worker that exits unexpectedly: panelRun.test.ts; a window reload during a
 * run: scripts/vscode/ui-test.mjs, which needs the real workbench.)
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SamplingPanel } from '../../src/extension/panel';
import { MessageType, type RunSettings, type ToWebview } from '../../src/protocol';
import { fillUp, mountTmpfs, remount, unmount } from '../support/tmpfs';
import { stubWindow } from './badInputHelpers';
import { closePanel, collect, generate, openPanel, pndm, SMALL, type RunObserved } from './pndmHelpers';

const LONG: RunSettings = { ...SMALL, sampler: 'ddim', steps: 400, samples: 16 };
const messageOf = (m: ToWebview | undefined) => (m && 'message' in m ? m.message : `(${m?.type ?? 'nothing'})`);
const quote = (what: string, message: string) =>
  console.log(`${process.env.PNDM_TEST_MARK === '1' ? '[pndm-test] ' : ''}[message] ${what}: ${message}`);

/** Start a long run; resolves once a denoised frame (step ≥ 1) has reached the panel, with the run's end to come. */
async function startLong(panel: SamplingPanel, settings: RunSettings = LONG): Promise<{ end: Promise<RunObserved> }> {
  const stepped = collect(panel, (m) => m.type === MessageType.Frame && m.progress.step >= 1);
  const end = generate(panel, settings);
  await stepped;
  return { end };
}

/** A copy of the bundled model in a fresh folder (so that it can be deleted). */
function modelCopy(bundled: string): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pndm-model-copy-'));
  mkdirSync(join(dir, 'unet'));
  const path = join(dir, 'unet', 'copy.onnx');
  copyFileSync(bundled, path);
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('PNDM: faults mid-run', function () {
  this.timeout(300_000);
  afterEach(closePanel);

  it('Cancel before the first frame ends the run as cancelled; the next run works', async () => {
    const panel = await openPanel();
    const watching = generate(panel, LONG);
    await panel.handleMessage({ type: MessageType.Cancel });
    const run = await watching;
    assert.equal(run.end.type, MessageType.RunCancelled);
    assert.equal(panel.run.value, undefined);
    assert.equal((await generate(panel, SMALL)).end.type, MessageType.RunFinished);
  });

  it('closing the panel mid-run: the worker stops the run, releases its sessions and exits with 0; a new panel runs', async () => {
    const panel = await openPanel();
    const watching = (await startLong(panel)).end;
    const threadId = panel.client.threadId;
    const exit = panel.client.lastExit!;
    const run = panel.run.value!;
    panel.panel.dispose();
    assert.equal((await run.done).kind, 'cancelled');
    const ended = await exit;
    assert.deepEqual(ended, { threadId, code: 0, sessionsReleased: 2 }); // the panel's 'auto' session and the run's 'cpu' one
    assert.equal((await pndm()).panel(), undefined);
    await watching;
    const again = await openPanel();
    assert.notEqual(again, panel);
    assert.equal((await generate(again, SMALL)).end.type, MessageType.RunFinished);
  });

  for (const how of ['throw', 'reject'] as const) {
    it(`the worker ${how === 'throw' ? 'throwing in its message handler' : 'leaving a rejection unhandled'} mid-run: a clear error, then a new worker runs`, async () => {
      const panel = await openPanel();
      const watching = (await startLong(panel)).end;
      const before = panel.client.threadId;
      panel.client.crashForTest(how);
      const run = await watching;
      assert.equal(run.end.type, MessageType.Error);
      assert.equal((run.end as { runEnded?: boolean }).runEnded, true);
      const message = messageOf(run.end);
      assert.match(message, /^The sampling worker crashed \(Injected failure \(test\): [^)]*\)\. Generate again to start a new one\.$/);
      quote(`worker ${how}`, message);
      assert.equal(panel.run.value, undefined);
      const next = await generate(panel, SMALL);
      assert.equal(next.end.type, MessageType.RunFinished);
      assert.notEqual(panel.client.threadId, before);
    });
  }

  it('switching the model mid-run: the run finishes on its model, the next run uses the new one, the old sessions go', async () => {
    const api = await pndm();
    const copy = modelCopy(api.services.bundledModel);
    try {
      const panel = await openPanel();
      const watching = (await startLong(panel, { ...LONG, steps: 40 })).end;
      await vscode.commands.executeCommand('pndm.sampleFromModel', vscode.Uri.file(copy.path));
      const run = await watching;
      assert.equal(run.end.type, MessageType.RunFinished, messageOf(run.end));
      assert.equal(panel.finished?.modelPath, api.services.bundledModel, 'the finished run names the wrong model');
      assert.equal((await panel.model.ready)?.path, copy.path);
      const next = await generate(panel, SMALL);
      assert.equal(next.end.type, MessageType.RunFinished);
      assert.equal(panel.finished?.modelPath, copy.path);
      // the bundled model's sessions were released when its run ended: only the copy's two remain
      assert.equal((await panel.client.stats()).sessions, 2);
    } finally {
      copy.cleanup();
    }
  });

  it('deleting the model file mid-run: the run finishes from memory, the next says "not found", the bundled model works', async () => {
    const api = await pndm();
    const copy = modelCopy(api.services.bundledModel);
    try {
      const panel = await openPanel();
      await vscode.commands.executeCommand('pndm.sampleFromModel', vscode.Uri.file(copy.path));
      assert.equal((await panel.model.ready)?.path, copy.path);
      const watching = (await startLong(panel, { ...LONG, steps: 40 })).end;
      copy.cleanup();
      const run = await watching;
      assert.equal(run.end.type, MessageType.RunFinished, messageOf(run.end));
      const next = await generate(panel, SMALL);
      assert.equal(next.end.type, MessageType.Error);
      assert.equal(messageOf(next.end), `Model file not found: ${copy.path}. Check the path, or choose an existing .onnx file.`);
      quote('model deleted', messageOf(next.end));
      await panel.handleMessage({ type: MessageType.UseBundledModel });
      assert.equal((await panel.model.ready)?.bundled, true);
      assert.equal((await generate(panel, SMALL)).end.type, MessageType.RunFinished);
    } finally {
      copy.cleanup();
    }
  });
});

describe('PNDM: saving into a read-only or full folder', function () {
  this.timeout(300_000);
  const config = () => vscode.workspace.getConfiguration('pndm');
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pndm-save-fault-'));
  });
  afterEach(async () => {
    unmount(dir);
    rmSync(dir, { recursive: true, force: true });
    await config().update('outputFolder', undefined, vscode.ConfigurationTarget.Global);
    await closePanel();
  });

  /** Save and return the message the panel got (Error or Notice). */
  async function save(panel: SamplingPanel): Promise<ToWebview> {
    const answered = collect(panel, (m) => m.type === MessageType.Error || m.type === MessageType.Notice);
    await panel.handleMessage({ type: MessageType.Save });
    return (await answered).messages.at(-1)!;
  }

  /** A run, a save that fails, `recover()`, then a save of that run and of a new run that both work. */
  async function faultThenRecover(fault: string, expected: string, recover: () => void): Promise<{ pngBytes: number }> {
    await config().update('outputFolder', dir, vscode.ConfigurationTarget.Global);
    const panel = await openPanel();
    assert.equal((await generate(panel, { ...SMALL, sampler: 'ddim', samples: 64, seed: 3 })).end.type, MessageType.RunFinished);
    const before = readdirSync(dir);
    const notifications = stubWindow('showErrorMessage');
    const failed = await save(panel).finally(() => notifications.restore());
    assert.equal(failed.type, MessageType.Error);
    assert.deepEqual(notifications.calls, [], 'the error was shown in the visible panel and again as a notification');
    assert.equal(messageOf(failed), expected);
    quote(fault, messageOf(failed));
    assert.deepEqual(readdirSync(dir), before, 'a failed save left a file behind');
    recover();
    const saved = await save(panel);
    assert.equal(saved.type, MessageType.Notice, messageOf(saved));
    const file = join(dir, 'pndm-ddim-10steps-seed3.png');
    assert.equal(messageOf(saved), `Saved ${file}`);
    const png = readFileSync(file);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.equal((await generate(panel, { ...SMALL, sampler: 'ddim', seed: 4 })).end.type, MessageType.RunFinished);
    assert.equal(messageOf(await save(panel)), `Saved ${join(dir, 'pndm-ddim-10steps-seed4.png')}`);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('.')),
      [],
      'a temporary file was left',
    );
    return { pngBytes: png.length };
  }

  const NEXT = 'Free some space or choose a folder you can write to (setting pndm.outputFolder), then Save again.';

  it('a read-only output folder (tmpfs mounted ro): a clear error, no file; Save works once it is writable', async function () {
    if (!mountTmpfs(dir, 1024, true)) this.skip(); // needs root or password-less sudo
    await faultThenRecover(
      'read-only folder',
      `Could not save pndm-ddim-10steps-seed3.png in ${dir}: the file system is read-only (EROFS). ${NEXT}`,
      () => assert.ok(remount(dir, 'rw')),
    );
  });

  it('a full output folder (64 KB tmpfs, 8 KB free): a clear error, no partial file; Save works once space is freed', async function () {
    if (!mountTmpfs(dir, 64)) this.skip(); // needs root or password-less sudo
    const filler = fillUp(dir, 64, 8192);
    const { pngBytes } = await faultThenRecover(
      'full folder',
      `Could not save pndm-ddim-10steps-seed3.png in ${dir}: the disk is full (ENOSPC). ${NEXT}`,
      () => rmSync(filler),
    );
    assert.ok(pngBytes > 8192, `the PNG (${pngBytes} bytes) would have fitted: the write did not fail midway`);
  });
});
