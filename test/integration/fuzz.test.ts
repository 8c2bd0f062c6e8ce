/**
 * Fuzzing the real panel: seeded random and malformed messages (test/support/fuzzMessages.ts) handed to
 * panel.handleMessage — the very function behind webview.onDidReceiveMessage — with everything the host
 * could do instrumented: runs (generate), model loads (the worker client), dialogs and notifications
 * (vscode.window), and every file-system call made from the extension's code. Each message is checked
 * against the oracle: an invalid one is answered with exactly one Error and nothing else happens; a
 * valid one does exactly what it asks. Afterwards a real run works and is saved (which also shows the
 * file-system spy sees the extension's writes).
 */
import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { MessageType, type ToWebview } from '../../src/protocol';
import { describeCase, fuzzCases, oracle } from '../support/fuzzMessages';
import { stubWindow, tempFolder } from './badInputHelpers';
import { closePanel, collect, generate, openPanel, pndm, SMALL } from './pndmHelpers';

const SEED = 977;
const COUNT = 1200;

const FS_FUNCTIONS = [
  'open',
  'openSync',
  'readFile',
  'readFileSync',
  'writeFile',
  'writeFileSync',
  'appendFile',
  'appendFileSync',
  'stat',
  'statSync',
  'lstat',
  'lstatSync',
  'existsSync',
  'access',
  'accessSync',
  'mkdir',
  'mkdirSync',
  'rename',
  'renameSync',
  'link',
  'linkSync',
  'copyFile',
  'copyFileSync',
  'rm',
  'rmSync',
  'unlink',
  'unlinkSync',
  'readdir',
  'readdirSync',
  'createReadStream',
  'createWriteStream',
];
const FS_PROMISES = [
  'open',
  'readFile',
  'writeFile',
  'appendFile',
  'stat',
  'lstat',
  'access',
  'mkdir',
  'rename',
  'link',
  'copyFile',
  'rm',
  'unlink',
  'readdir',
];

/** Record every call of the fs functions above made from `bundle` (the extension's dist/extension.js). */
function spyOnFs(bundle: string): { calls: string[]; restore: () => void } {
  const calls: string[] = [];
  const restores: (() => void)[] = [];
  const wrap = (owner: Record<string, unknown>, name: string, label: string) => {
    const original = owner[name];
    if (typeof original !== 'function') return;
    owner[name] = function (this: unknown, ...args: unknown[]) {
      if (new Error().stack?.includes(bundle)) calls.push(`${label}(${String(args[0])})`);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
    restores.push(() => void (owner[name] = original));
  };
  for (const name of FS_FUNCTIONS) wrap(fs as unknown as Record<string, unknown>, name, `fs.${name}`);
  for (const name of FS_PROMISES) wrap(fs.promises as unknown as Record<string, unknown>, name, `fs.promises.${name}`);
  return { calls, restore: () => restores.forEach((r) => r()) };
}

const NOTICES: Record<string, string> = {
  cancel: 'Nothing is running.',
  save: 'Nothing to save yet: generate samples first, then save.',
  copySettings: 'No settings to copy yet: generate samples first.',
};

describe('PNDM bad input: fuzzed webview messages', function () {
  this.timeout(600_000);
  const config = () => vscode.workspace.getConfiguration('pndm');
  after(async () => {
    await config().update('outputFolder', undefined, vscode.ConfigurationTarget.Global);
    await closePanel();
  });

  it(`${COUNT} seeded random and malformed messages through the panel's handler: each validated, none acted on wrongly; a run works after`, async () => {
    const api = await pndm();
    await closePanel();
    const panel = await openPanel(); // a fresh panel: no run has finished, so Save and Copy have nothing to act on
    const outputFolder = tempFolder('pndm-fuzz-out-');
    await config().update('outputFolder', outputFolder, vscode.ConfigurationTarget.Global);
    const bundled = api.services.bundledModel;

    const window = {
      openDialog: stubWindow('showOpenDialog'),
      saveDialog: stubWindow('showSaveDialog'),
      error: stubWindow('showErrorMessage'),
      warning: stubWindow('showWarningMessage'),
      info: stubWindow('showInformationMessage'),
    };
    const generated: unknown[] = [];
    const realGenerate = panel.generate;
    panel.generate = (settings) => (generated.push(settings), undefined);
    const loads: string[] = [];
    const realLoad = panel.client.load;
    panel.client.load = function (modelPath, provider) {
      loads.push(modelPath);
      return realLoad.call(this, modelPath, provider);
    };
    const runs: unknown[] = [];
    const realRun = panel.client.run;
    panel.client.run = function (...args) {
      runs.push(args[0]);
      return realRun.apply(this, args);
    };
    const files = spyOnFs(join(api.services.extensionUri.fsPath, 'dist', 'extension.js'));
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    const tally = { refused: 0, accepted: 0 };
    try {
      for (const [i, c] of fuzzCases(SEED, COUNT).entries()) {
        const what = describeCase(c, i);
        const posts: ToWebview[] = [];
        const listening = panel.onDidPost((m) => posts.push(m));
        const before = { generated: generated.length, loads: loads.length, dialogs: window.openDialog.calls.length };
        try {
          await panel.handleMessage(c.raw);
        } finally {
          listening.dispose();
        }
        const expected = oracle(c.raw);
        const after = { generated: generated.length, loads: loads.length, dialogs: window.openDialog.calls.length };
        const type = expected.valid ? expected.message.type : undefined;
        if (!expected.valid) {
          tally.refused++;
          assert.equal(posts.length, 1, `${what}: posted ${JSON.stringify(posts.map((p) => p.type))}`);
          assert.equal(posts[0].type, MessageType.Error, what);
          assert.match(
            (posts[0] as { message: string }).message,
            /^(A panel message must be an object|Unknown panel message type|Generate refused: settings)/,
            what,
          );
          assert.deepEqual(after, before, `${what}: was acted on`);
          continue;
        }
        tally.accepted++;
        assert.deepEqual(
          { generated: after.generated - before.generated, loads: after.loads - before.loads, dialogs: after.dialogs - before.dialogs },
          { generated: type === 'generate' ? 1 : 0, loads: type === 'useBundledModel' ? 1 : 0, dialogs: type === 'browseModel' ? 1 : 0 },
          what,
        );
        switch (type) {
          case 'generate':
            assert.deepEqual(generated.at(-1), expected.message.settings, `${what}: not the validated settings`);
            assert.deepEqual(posts, [], what);
            break;
          case 'useBundledModel':
            assert.equal(loads.at(-1), bundled, what);
            assert.deepEqual(
              posts.map((p) => p.type),
              [MessageType.Notice, MessageType.Model],
              what,
            );
            break;
          case 'browseModel':
            assert.deepEqual(posts, [], what);
            break;
          case 'ready':
            assert.deepEqual(
              posts.map((p) => p.type),
              [MessageType.Init],
              what,
            );
            break;
          default:
            assert.deepEqual(posts, [{ type: MessageType.Notice, message: NOTICES[type!] }], what);
        }
      }
      assert.ok(tally.accepted >= 100 && tally.refused >= 700, JSON.stringify(tally));
      // nothing run, read or written by the extension, no notification, no pollution
      assert.equal(runs.length, 0, `a run reached the worker: ${JSON.stringify(runs)}`);
      assert.equal(files.calls.length, 0, `the extension touched the file system: ${JSON.stringify(files.calls)}`);
      assert.deepEqual(readdirSafe(outputFolder), []);
      assert.equal(window.saveDialog.calls.length, 0);
      for (const [name, stub] of Object.entries(window)) {
        if (name !== 'openDialog') assert.deepEqual(stub.calls, [], `vscode.window ${name} was called`);
      }
      assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeys);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(panel.run.value, undefined);
      assert.equal((await pndm()).panel(), panel, 'the panel went away');

      // the host is alive: a real run works, and Save writes — which the file-system spy sees
      panel.generate = realGenerate;
      const run = await generate(panel, { ...SMALL, sampler: 'ddim', steps: 3, samples: 4 });
      assert.equal(run.end.type, MessageType.RunFinished, JSON.stringify(run.end));
      assert.equal(runs.length, 1);
      await panel.handleMessage({ type: MessageType.Save });
      assert.deepEqual(readdirSafe(outputFolder), ['pndm-ddim-3steps-seed0.png']);
      assert.ok(
        files.calls.some((c) => c.includes(outputFolder)),
        `the spy did not see the save: ${JSON.stringify(files.calls)}`,
      );
    } finally {
      files.restore();
      for (const stub of Object.values(window)) stub.restore();
      panel.generate = realGenerate;
      panel.client.load = realLoad;
      panel.client.run = realRun;
    }
  });

  it('a valid message whose action fails is answered with an Error in the panel; the handler never rejects', async () => {
    const panel = await openPanel();
    const dialog = stubWindow('showOpenDialog', () => Promise.reject(new Error('the dialog service is gone')));
    try {
      const answer = collect(panel, (m) => m.type === MessageType.Error, 5000);
      await assert.doesNotReject(panel.handleMessage({ type: MessageType.BrowseModel }));
      assert.deepEqual((await answer).messages.at(-1), {
        type: MessageType.Error,
        message: "The panel's request failed: the dialog service is gone",
      });
      assert.equal(dialog.calls.length, 1);
    } finally {
      dialog.restore();
    }
    assert.equal((await generate(panel, { ...SMALL, sampler: 'ddim', steps: 2, samples: 1 })).end.type, MessageType.RunFinished);
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
