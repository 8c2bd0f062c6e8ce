/**
 * Bad model files through the extension, reached both ways a user reaches a model: the
 * "Sample from This Model" command with the file's URI, and the `pndm.modelPath` setting when the panel
 * opens. Each time the panel shows the adapter's message (once: a notification only when the panel is hidden), the host
 * stays alive, and a run on the bundled model afterwards works.
 * (An unreadable file cannot be produced here: the tests run as root, who reads a chmod 000 file; the
 * same adapter code is tested with an injected EACCES in test/unit/badFiles.test.ts and with a real one,
 * the CLI run as `nobody`, in test/unit/cliBadInput.test.ts.)
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SamplingPanel } from '../../src/extension/panel';
import { MessageType } from '../../src/protocol';
import { BAD_FILES } from '../support/badModels';
import { bundledRunWorks, errorAfter, stubWindow, tempFolder, writeModelFile } from './badInputHelpers';
import { closePanel, generate, openPanel, pndm, SMALL } from './pndmHelpers';

describe('PNDM bad input: model files', function () {
  this.timeout(120_000);
  const config = () => vscode.workspace.getConfiguration('pndm');
  let dir: string;
  const cases: { name: string; path: () => string; message: RegExp }[] = [];

  before(async () => {
    dir = tempFolder();
    const api = await pndm();
    for (const bad of BAD_FILES) {
      const path = writeModelFile(dir, bad.file, bad.bytes(api.services.bundledModel));
      cases.push({ name: bad.name, path: () => path, message: bad.message });
    }
    cases.push({
      name: 'a missing path',
      path: () => join(dir, 'missing.onnx'),
      message: /^Model file not found: .*missing\.onnx\. Check the path, or choose an existing \.onnx file\.$/,
    });
    mkdirSync(join(dir, 'export', 'unet'), { recursive: true });
    copyFileSync(api.services.bundledModel, join(dir, 'export', 'unet', 'model.onnx'));
    cases.push({
      name: 'a folder',
      path: () => join(dir, 'export'),
      message: /^.*export is a folder, not an \.onnx file\. Choose the model file inside it: .*export\/unet\/model\.onnx\.$/,
    });
    symlinkSync(join(dir, 'loop.onnx'), join(dir, 'loop.onnx'));
    cases.push({
      name: 'a symlink loop (a path that cannot be read, even by root)',
      path: () => join(dir, 'loop.onnx'),
      message:
        /^Cannot access the model file .*loop\.onnx: ELOOP: too many symbolic links encountered, stat '.*loop\.onnx'\. Check the path, or choose another \.onnx file\.$/,
    });
    execFileSync('mkfifo', [join(dir, 'pipe.onnx')]);
    cases.push({
      name: 'a FIFO named .onnx (would block a reader)',
      path: () => join(dir, 'pipe.onnx'),
      message: /^.*pipe\.onnx is not a regular file; choose an \.onnx model file\.$/,
    });
  });

  let notifications: ReturnType<typeof stubWindow>;
  beforeEach(() => (notifications = stubWindow('showErrorMessage')));
  afterEach(() => notifications.restore());
  after(async () => {
    await config().update('modelPath', undefined, vscode.ConfigurationTarget.Global);
    await closePanel();
  });

  /** Shown once: in the visible panel, and not again as a notification (issue 7, item 11). */
  function assertShown(panelMessage: string, expected: RegExp, what: string): void {
    assert.match(panelMessage, expected, what);
    assert.ok(
      !notifications.calls.some((c) => c[0] === `PNDM: ${panelMessage}`),
      `${what}: shown twice, also as a notification while the panel is visible`,
    );
  }

  it('via "Sample from This Model" (a URI): the message in the panel, the host alive, the bundled model runs after', async () => {
    const panel = await openPanel();
    for (const c of cases) {
      notifications.calls.length = 0;
      if (c.name === 'a folder') {
        // from the Explorer, a diffusers folder is a model: "Sample from This Model" opens its unet/model.onnx
        await vscode.commands.executeCommand('pndm.sampleFromModel', vscode.Uri.file(c.path()));
        assert.match((await panel.model.ready)?.path ?? '', /export\/unet\/model\.onnx$/, c.name);
        assert.deepEqual(notifications.calls, [], c.name);
        continue;
      }
      const error = await errorAfter(panel, () => vscode.commands.executeCommand('pndm.sampleFromModel', vscode.Uri.file(c.path())));
      assertShown(error.message, c.message, c.name);
      assert.equal(await panel.model.ready, undefined, `${c.name}: a summary was reported`);
      assert.equal(panel.model.error, error.message, c.name);
      assert.equal((await pndm()).panel(), panel, `${c.name}: the panel went away`);
      await bundledRunWorks(panel);
    }
  });

  it('via the pndm.modelPath setting when the panel opens: the same messages, then the bundled model runs', async () => {
    for (const c of cases) {
      await closePanel();
      notifications.calls.length = 0;
      await config().update('modelPath', c.path(), vscode.ConfigurationTarget.Global);
      const panel = (await vscode.commands.executeCommand('pndm.generate')) as SamplingPanel;
      assert.equal(panel.model.path, c.path(), c.name);
      assert.equal(await panel.model.ready, undefined, `${c.name}: a summary was reported`);
      assertShown(panel.model.error ?? '(no error)', c.message, c.name);
      await bundledRunWorks(panel);
    }
    await config().update('modelPath', undefined, vscode.ConfigurationTarget.Global);
  });

  it('a panel hidden behind another editor: the error comes as one notification instead', async () => {
    const panel = await openPanel();
    const doc = await vscode.workspace.openTextDocument({ content: '' }); // empty: closes without a save prompt
    await vscode.window.showTextDocument(doc, { viewColumn: panel.panel.viewColumn, preview: false });
    const deadline = Date.now() + 10_000;
    while (panel.panel.visible && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(panel.panel.visible, false, 'the panel did not get hidden');
    notifications.calls.length = 0;
    const c = cases[0];
    await panel.setModel(c.path());
    assert.match(panel.model.error ?? '(no error)', c.message);
    assert.deepEqual(
      notifications.calls.map((call) => call[0]),
      [`PNDM: ${panel.model.error}`],
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await closePanel();
  });

  it('Generate on a model that failed to open answers with the same message and leaves no run behind', async () => {
    const panel = await openPanel();
    const empty = cases[0];
    const opened = await errorAfter(panel, () => vscode.commands.executeCommand('pndm.sampleFromModel', vscode.Uri.file(empty.path())));
    const run = await generate(panel, { ...SMALL, samples: 1, steps: 2 });
    assert.equal(run.end.type, MessageType.Error);
    assert.equal((run.end as { message: string }).message, opened.message);
    assert.equal((run.end as { runEnded?: boolean }).runEnded, true);
    assert.equal(panel.run.value, undefined);
    await bundledRunWorks(panel);
  });
});
