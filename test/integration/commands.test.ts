import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { TunedReply } from '../../src/extension/workerProtocol';
import { stubWindow } from './badInputHelpers';
import { closePanel, EXTENSION_ID, openPanel, pndm } from './pndmHelpers';

describe('PNDM: activation, commands and menus', () => {
  after(closePanel);

  it('the extension activates and returns its test API', async () => {
    const api = await pndm();
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
    assert.match(api.services.bundledModel, /models[\\/]mnist_ddpm\.onnx$/);
  });

  it('both commands are registered', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['pndm.generate', 'pndm.sampleFromModel']) assert.ok(commands.includes(id), `${id} is not registered`);
  });

  it('the manifest: titles, activation, and the .onnx context-menu entries with their when clauses', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const titles = Object.fromEntries(
      pkg.contributes.commands.map((c: { command: string; category: string; title: string }) => [c.command, `${c.category}: ${c.title}`]),
    );
    assert.equal(titles['pndm.generate'], 'PNDM: Generate Samples');
    assert.equal(titles['pndm.sampleFromModel'], 'PNDM: Sample from This Model');
    assert.equal(pkg.activationEvents[0], 'onWebviewPanel:pndm.samplingPanel');
    for (const menu of ['explorer/context', 'editor/title/context', 'editor/context']) {
      const entry = pkg.contributes.menus[menu]?.find((e: { command: string }) => e.command === 'pndm.sampleFromModel');
      assert.ok(entry, `no ${menu} entry`);
      assert.equal(entry.when, 'resourceExtname =~ /^\\.onnx$/i', menu);
    }
    const props = pkg.contributes.configuration.properties;
    for (const [key, p] of Object.entries<Record<string, unknown>>(props)) {
      assert.ok(typeof p.description === 'string', `${key} has no description`);
      assert.ok(p.enum || p.minimum !== undefined || p.type === 'string' || p.type === 'boolean', `${key} has no enum or range`);
    }
  });

  it('pndm.tuneGrid runs the tuner in a worker and saves the grid where the tuned spacing finds it', async () => {
    const api = await pndm();
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const entry = pkg.contributes.commands.find((c: { command: string }) => c.command === 'pndm.tuneGrid');
    assert.equal(`${entry.category}: ${entry.title}`, 'PNDM: Tune Grid for This Model');
    const args = {
      modelPath: api.services.bundledModel,
      sampler: 'ddim',
      steps: 3,
      trajectories: 1,
      referenceSteps: 20,
      sweeps: 1,
    };
    const reply = (await vscode.commands.executeCommand('pndm.tuneGrid', args)) as TunedReply | undefined;
    assert.ok(reply, 'the tune failed (see the PNDM output channel)');
    try {
      assert.equal(reply.timesteps.length, 3);
      const saved = JSON.parse(readFileSync(reply.file, 'utf8')) as { sampler: string; steps: number; timesteps: number[] };
      assert.deepEqual([saved.sampler, saved.steps, saved.timesteps], ['ddim', 3, reply.timesteps]);
    } finally {
      if (existsSync(reply.file)) rmSync(reply.file);
    }
  });

  it("pndm.tuneGrid from a model's context menu tunes that model, and refuses a resource that holds no model, saying why", async () => {
    const missing = vscode.Uri.file(join(tmpdir(), 'pndm-no-such-model.onnx'));
    const errors = stubWindow('showErrorMessage');
    const picks = stubWindow('showQuickPick');
    try {
      assert.equal(await vscode.commands.executeCommand('pndm.tuneGrid', missing), undefined);
    } finally {
      errors.restore();
      picks.restore();
    }
    assert.deepEqual(errors.calls, [
      [`PNDM: cannot tune a grid: ${missing.fsPath} does not exist: pick an existing .onnx file or diffusers folder.`],
    ]);
    assert.deepEqual(picks.calls, [], 'it asked for a sampler although there is no model');
    // a model's own menu tunes that model, whatever the panel shows: the question names it
    const copy = join(mkdtempSync(join(tmpdir(), 'pndm-tune-')), 'copy-model.onnx');
    copyFileSync((await pndm()).services.bundledModel, copy);
    const asked = stubWindow('showQuickPick');
    try {
      assert.equal(await vscode.commands.executeCommand('pndm.tuneGrid', vscode.Uri.file(copy)), undefined);
    } finally {
      asked.restore();
    }
    assert.equal(
      (asked.calls[0]?.[1] as vscode.QuickPickOptions | undefined)?.title,
      'PNDM: tune a grid for copy-model.onnx: which sampler?',
    );
  });

  it('pndm.generate opens one panel and reveals it again; sampleFromModel switches its model', async () => {
    const api = await pndm();
    const panel = await openPanel();
    assert.equal(api.panel(), panel);
    assert.equal(panel.panel.viewType, 'pndm.samplingPanel');
    assert.equal(await vscode.commands.executeCommand('pndm.generate'), panel, 'a second pndm.generate made a second panel');
    const again = (await vscode.commands.executeCommand(
      'pndm.sampleFromModel',
      vscode.Uri.file(api.services.bundledModel),
    )) as typeof panel;
    assert.equal(again, panel);
    const summary = await panel.model.ready;
    assert.equal(summary?.bundled, true);
    assert.equal(summary?.imageShape, '1×32×32');
    assert.equal(summary?.numTrainTimesteps, 1000);
  });

  it('the extension host never loads onnxruntime-node (only the worker does)', async () => {
    await openPanel();
    const loaded = Object.keys(require.cache).filter((p) => /onnxruntime/.test(p));
    assert.deepEqual(loaded, []);
  });
});
