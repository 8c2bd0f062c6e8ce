import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ComparePanel } from '../../src/extension/comparePanel';
import type { SamplingPanel } from '../../src/extension/panel';
import { MessageType, type ImageResampledMessage } from '../../src/protocol';
import { decodePng } from '../support/png';
import { closePanel, collect, generate, openPanel, pndm, SMALL, until } from './pndmHelpers';

describe("PNDM: the researcher's panel (title-bar commands, status bar, compare, re-sample)", () => {
  after(async () => {
    (await pndm()).comparePanel()?.dispose();
    await closePanel();
  });

  it('the new commands are registered; the title-bar Generate asks the webview for its form', async () => {
    await pndm(); // activated, also when this suite runs alone
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['pndm.compare', 'pndm.openRecentModel', 'pndm.panel.generate', 'pndm.panel.cancel', 'pndm.panel.save']) {
      assert.ok(commands.includes(id), `${id} is not registered`);
    }
    const panel = await openPanel();
    const asked = collect(panel, (m) => m.type === MessageType.GenerateFromForm, 10_000);
    assert.equal(await vscode.commands.executeCommand('pndm.panel.generate'), panel);
    assert.equal((await asked).messages.at(-1)?.type, MessageType.GenerateFromForm);
    assert.equal(await vscode.commands.executeCommand('pndm.panel.cancel'), false, 'Cancel with nothing running');
    // The webview answers with a Generate of its form once the form is filled in, which it sometimes
    // is by now: a run it starts is cancelled here, or it holds the panel ("a run is already going")
    // through the next tests (a fresh-clone CI run failed the next two that way).
    const formRun = await until(() => panel.run.value !== undefined, 'a run of the form', 5_000).then(
      () => true,
      () => false,
    );
    if (formRun) {
      assert.equal(await vscode.commands.executeCommand('pndm.panel.cancel'), true, 'Cancel with the form’s run going');
      await until(() => panel.run.value === undefined, 'the form’s run to end', 60_000);
    }
  });

  it('while the panel is hidden the status bar shows the run; it hides when the run ends', async () => {
    const panel = await openPanel();
    await vscode.commands.executeCommand('workbench.action.files.newUntitledFile');
    await until(() => !panel.panel.visible, 'the panel to be hidden');
    const run = panel.generate({ ...SMALL, steps: 30 });
    assert.ok(run);
    await until(
      () => panel.statusBar.shown && /PNDM F-PNDM 30 steps: \d+\/30/.test(panel.statusBar.text),
      'the status-bar progress',
      60_000,
    );
    await run.done;
    assert.equal(panel.statusBar.shown, false);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    panel.panel.reveal();
  });

  it("Re-sample this image gives exactly the run's image (max |Δ| = 0) with a strip of N + 1 frames", async () => {
    const panel = await openPanel();
    await generate(panel, SMALL);
    const answer = collect(panel, (m) => m.type === MessageType.ImageResampled, 60_000);
    await panel.handleMessage({ type: MessageType.ResampleImage, index: 2 });
    const r = (await answer).messages.at(-1) as ImageResampledMessage;
    assert.equal(r.index, 2);
    assert.equal(r.maxAbsDiff, 0);
    assert.equal(r.strip.length, SMALL.steps + 1);
    assert.equal(r.nfe, SMALL.steps + 9);
  });

  it('a run opened from the history: Save writes its picture, Copy its recipe, Re-sample matches its picture at 8 bits; the grid GIF is refused', async () => {
    const api = await pndm();
    const panel = await openPanel();
    await generate(panel, { ...SMALL, seed: 7 });
    await until(() => api.services.history.entries[0]?.settings.seed === 7, 'the run to be kept');
    const kept = api.services.history.entries[0];
    await generate(panel, { ...SMALL, seed: 8 }); // the session's last run is another one
    await until(() => api.services.history.entries[0]?.settings.seed === 8, 'the second run to be kept');
    const shown = collect(panel, (m) => m.type === MessageType.ShowRun, 10_000);
    await panel.handleMessage({ type: MessageType.OpenHistory, id: kept.id });
    assert.equal(((await shown).messages.at(-1) as { settings: { seed: number } }).settings.seed, 7);

    const copied = collect(panel, (m) => m.type === MessageType.Notice, 10_000);
    await panel.handleMessage({ type: MessageType.CopySettings });
    assert.match(((await copied).messages.at(-1) as { message: string }).message, /Settings copied/);
    assert.equal(JSON.parse(await vscode.env.clipboard.readText()).seed, 7, 'Copy settings gave the last run, not the one on show');

    const folder = mkdtempSync(join(tmpdir(), 'pndm-kept-'));
    await vscode.workspace.getConfiguration('pndm').update('outputFolder', folder, vscode.ConfigurationTarget.Global);
    try {
      const saved = collect(panel, (m) => m.type === MessageType.Notice, 30_000);
      await panel.handleMessage({ type: MessageType.Save });
      const file = /^Saved (.+\.png)$/.exec(((await saved).messages.at(-1) as { message: string }).message)?.[1];
      assert.ok(file, 'nothing saved');
      assert.ok(readFileSync(file).equals(api.services.history.pngOf(kept.id)!), 'Save wrote another run than the one on show');
    } finally {
      await vscode.workspace.getConfiguration('pndm').update('outputFolder', undefined, vscode.ConfigurationTarget.Global);
    }

    const answer = collect(panel, (m) => m.type === MessageType.ImageResampled, 60_000);
    await panel.handleMessage({ type: MessageType.ResampleImage, index: 3 });
    const r = (await answer).messages.at(-1) as ImageResampledMessage;
    assert.equal(r.maxAbsDiff, undefined, 'a kept run has no float samples to compare with');
    assert.equal(r.strip.length, SMALL.steps + 1);
    // the kept picture's image 3 (⌈√count⌉ columns, 2-pixel gaps), pixel for pixel
    const picture = decodePng(api.services.history.pngOf(kept.id)!);
    const cols = Math.ceil(Math.sqrt(SMALL.samples));
    const { width, height } = r.image;
    const [ox, oy] = [(3 % cols) * (width + 2), Math.floor(3 / cols) * (height + 2)];
    const pixels = new Uint8Array(r.image.pixels);
    let worst = 0;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        worst = Math.max(worst, Math.abs(pixels[y * width + x] - picture.pixels[(oy + y) * picture.width + ox + x]));
    assert.equal(worst, 0, 'the re-sampled image is not the kept one');

    const refused = collect(panel, (m) => m.type === MessageType.Notice, 10_000);
    await panel.handleMessage({ type: MessageType.ExportAnimation });
    assert.match(((await refused).messages.at(-1) as { message: string }).message, /keeps its picture, not its frames/);
  });

  it('a page restored after a reload names the grid it shows: the new host finds that run in the history and Copy and Re-sample act on it', async () => {
    const api = await pndm();
    let panel = await openPanel();
    await generate(panel, { ...SMALL, seed: 11 });
    await until(() => api.services.history.entries[0]?.settings.seed === 11, 'the run to be kept');
    const kept = api.services.history.entries[0];
    // a new host knows no finished run: a fresh panel stands in for the one VS Code restores
    const Panel = panel.constructor as typeof SamplingPanel;
    panel.dispose();
    const revived = () =>
      Panel.revive(vscode.window.createWebviewPanel(Panel.viewType, 'PNDM Sampler', vscode.ViewColumn.Active), api.services, {
        modelPath: api.services.bundledModel,
      });
    panel = revived();
    await panel.handleMessage({ type: MessageType.Ready, shownLine: 'F-PNDM, 10 steps, 4 samples: a run no history kept' });
    const nothing = collect(panel, (m) => m.type === MessageType.Notice, 10_000);
    await panel.handleMessage({ type: MessageType.CopySettings });
    assert.match(((await nothing).messages.at(-1) as { message: string }).message, /generate samples first/);
    panel.dispose();

    panel = revived();
    await panel.handleMessage({ type: MessageType.Ready, shownLine: kept.line });
    const copied = collect(panel, (m) => m.type === MessageType.Notice, 10_000);
    await panel.handleMessage({ type: MessageType.CopySettings });
    assert.match(((await copied).messages.at(-1) as { message: string }).message, /Settings copied/);
    assert.equal(JSON.parse(await vscode.env.clipboard.readText()).seed, 11);
    const answer = collect(panel, (m) => m.type === MessageType.ImageResampled, 60_000);
    await panel.handleMessage({ type: MessageType.ResampleImage, index: 1 });
    const r = (await answer).messages.at(-1) as ImageResampledMessage;
    assert.equal(r.index, 1);
    assert.equal(r.maxAbsDiff, undefined);
    assert.equal(r.strip.length, SMALL.steps + 1);
  });

  it('a 2×2 comparison: four cells from the same noise, RMS falls with steps; a cell opens as a normal run', async () => {
    const api = await pndm();
    const compare = (await vscode.commands.executeCommand('pndm.compare', api.services.bundledModel)) as ComparePanel;
    const comparison = compare.run({
      samplers: ['f-pndm', 'ddim'],
      steps: [5, 10],
      samples: 4,
      seed: 1,
      spacing: 'leading',
      reference: 'f-pndm-100',
    });
    assert.ok(comparison);
    assert.equal(await comparison.done, 'finished');
    const cells = comparison.cells.map((c) => c!.result);
    assert.deepEqual(
      cells.map((c) => [c.sampler, c.steps, c.nfe]),
      [
        ['f-pndm', 5, 14],
        ['f-pndm', 10, 19],
        ['ddim', 5, 5],
        ['ddim', 10, 10],
      ],
    );
    assert.ok(cells[1].rms < cells[0].rms && cells[3].rms < cells[2].rms, JSON.stringify(cells.map((c) => c.rms)));
    assert.ok(cells.every((c) => c.rms > 0 && c.rms < 1));
    await compare.handleMessage({ type: MessageType.OpenCell, index: 3 });
    const panel = api.panel()!;
    assert.equal(panel.finished?.summary.settings.sampler, 'ddim');
    assert.equal(panel.finished?.summary.settings.steps, 10);
    assert.equal(panel.finished?.count, 4);
  });
});
