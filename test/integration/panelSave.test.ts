import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import * as vscode from 'vscode';
import { MessageType, type RunSettings } from '../../src/protocol';
import { encodeGridPng } from '../../src/runner/png';
import { decodePng } from '../support/png';
import { closePanel, collect, generate, openPanel, SMALL } from './pndmHelpers';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The chunks of a PNG file, checked for their signature and lengths. */
function chunks(png: Buffer): { type: string; data: Buffer }[] {
  assert.deepEqual(png.subarray(0, 8), SIGNATURE, 'not a PNG signature');
  const out: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    out.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

describe('PNDM: Save and Copy settings', function () {
  this.timeout(300_000);
  let folder: string;
  const config = () => vscode.workspace.getConfiguration('pndm');

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'pndm-save-'));
    await config().update('outputFolder', folder, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await config().update('outputFolder', undefined, vscode.ConfigurationTarget.Global);
    await closePanel();
  });

  it('Save and Copy before any run finished answer with a clear notice', async () => {
    const panel = await openPanel();
    for (const type of [MessageType.Save, MessageType.CopySettings] as const) {
      const notice = collect(panel, (m) => m.type === MessageType.Notice);
      await panel.handleMessage({ type });
      assert.match(((await notice).messages.at(-1) as { message: string }).message, /generate samples first/);
    }
    assert.deepEqual(readdirSync(folder), []);
  });

  it('Save writes a PNG that decodes, with the settings embedded, and never overwrites', async () => {
    const panel = await openPanel();
    const run = await generate(panel, { ...SMALL, samples: 81, steps: 5, sampler: 'ddim', seed: 7 });
    assert.equal(run.end.type, MessageType.RunFinished);
    writeFileSync(join(folder, 'pndm-ddim-5steps-seed7.png'), 'someone else’s file');
    await panel.handleMessage({ type: MessageType.Save });
    await panel.handleMessage({ type: MessageType.Save });
    assert.deepEqual(readdirSync(folder).sort(), [
      'pndm-ddim-5steps-seed7-1.png',
      'pndm-ddim-5steps-seed7-2.png',
      'pndm-ddim-5steps-seed7.png',
    ]);
    assert.equal(readFileSync(join(folder, 'pndm-ddim-5steps-seed7.png'), 'utf8'), 'someone else’s file');
    const png = readFileSync(join(folder, 'pndm-ddim-5steps-seed7-1.png'));
    const parts = chunks(png);
    assert.equal(parts[0].type, 'IHDR');
    const [width, height, depth, colour] = [
      parts[0].data.readUInt32BE(0),
      parts[0].data.readUInt32BE(4),
      parts[0].data[8],
      parts[0].data[9],
    ];
    assert.deepEqual([width, height, depth, colour], [9 * 32 + 8 * 2, 9 * 32 + 8 * 2, 8, 0]); // 9×9 grid, grey
    const idat = Buffer.concat(parts.filter((c) => c.type === 'IDAT').map((c) => c.data));
    assert.equal(inflateSync(idat).length, (width + 1) * height);
    assert.equal(parts[parts.length - 1].type, 'IEND');
    // the recipe as `pndm sample --out` writes it: UTF-8 iTXt, the model by file name and SHA-256
    const { text } = decodePng(png);
    const settings = JSON.parse(text['pndm.settings']);
    assert.deepEqual(Object.keys(settings), [
      'sampler',
      'steps',
      'samples',
      'seed',
      'spacing',
      'eta',
      'variance',
      'tolerance',
      'ep',
      'model',
      'modelSha256',
    ]);
    assert.deepEqual([settings.sampler, settings.steps, settings.samples, settings.seed, settings.ep], ['ddim', 5, 81, 7, 'cpu']);
    assert.equal(settings.model, basename(panel.model.path));
    assert.match(settings.modelSha256, /^[0-9a-f]{64}$/);
    assert.match(text.Comment, /^DDIM, 5 steps, 81 samples: 5 model calls on cpu/);
  });

  it('Copy settings puts the JSON `pndm sample --settings` accepts on the clipboard', async () => {
    const panel = await openPanel();
    await generate(panel, { ...SMALL, seed: 11 });
    await panel.handleMessage({ type: MessageType.CopySettings });
    const copied = JSON.parse(await vscode.env.clipboard.readText());
    assert.deepEqual(copied, {
      sampler: 'f-pndm',
      steps: 10,
      samples: 4,
      seed: 11,
      spacing: 'leading',
      eta: 0,
      variance: 'fixed_small', // auto, resolved: the bundled model has no variance_type
      tolerance: 0.001,
      ep: 'cpu',
      model: basename(panel.model.path),
      modelSha256: createHash('sha256').update(readFileSync(panel.model.path)).digest('hex'),
    });
  });

  it("Open Settings from a pndm sample PNG fills the panel's solver controls, and names a grid given by its timesteps, which it cannot set", async () => {
    const panel = await openPanel();
    const file = join(folder, 'cli-recipe.png');
    const recipe = {
      sampler: 'unipc',
      steps: 10,
      samples: 4,
      seed: 3,
      spacing: 'leading',
      eta: 0,
      variance: 'fixed_small',
      tolerance: 0.001,
      solverOrder: 3,
      solverType: 'bh1',
      epsScale: 1.02,
      ep: 'cpu',
      model: 'mnist_ddpm.onnx',
      modelSha256: '0'.repeat(64),
    };
    writeFileSync(
      file,
      encodeGridPng(new Float32Array(4 * 32 * 32), 4, { channels: 1, height: 32, width: 32 }, { 'pndm.settings': JSON.stringify(recipe) }),
    );
    const shown = collect(panel, (m) => m.type === MessageType.ShowRun);
    const notice = collect(panel, (m) => m.type === MessageType.Notice);
    assert.equal(await vscode.commands.executeCommand('pndm.openSettingsFromPng', vscode.Uri.file(file)), true);
    const settings = ((await shown).messages.at(-1) as { settings: RunSettings }).settings;
    assert.deepEqual(
      [settings.sampler, settings.solverOrder, settings.solverType, settings.epsScale, settings.tolerance],
      ['unipc', 3, 'bh1', 1.02, 0.001],
    );
    assert.equal(((await notice).messages.at(-1) as { message: string }).message, 'Settings restored from cli-recipe.png.');
    const tunedFile = join(folder, 'cli-tuned.png');
    writeFileSync(
      tunedFile,
      encodeGridPng(
        new Float32Array(4 * 32 * 32),
        4,
        { channels: 1, height: 32, width: 32 },
        {
          'pndm.settings': JSON.stringify({ ...recipe, spacing: 'tuned', steps: 3, grid: [900, 500, 100] }),
        },
      ),
    );
    const tunedNotice = collect(panel, (m) => m.type === MessageType.Notice);
    assert.equal(await vscode.commands.executeCommand('pndm.openSettingsFromPng', vscode.Uri.file(tunedFile)), true);
    assert.equal(
      ((await tunedNotice).messages.at(-1) as { message: string }).message,
      'Settings restored from cli-tuned.png. The panel has no control for its tuned grid 900,500,100 (the panel uses the grid saved for this model), ' +
        'so its samples will differ; `pndm sample --settings cli-tuned.png` reproduces them.',
    );
  });
});
