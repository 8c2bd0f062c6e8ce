import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { MessageType, type InitMessage, type SettingsMessage } from '../../src/protocol';
import { closePanel, collect, openPanel, SMALL } from './pndmHelpers';

describe('PNDM: the panel protocol', function () {
  this.timeout(60_000);
  const config = () => vscode.workspace.getConfiguration('pndm');

  after(async () => {
    for (const key of ['steps', 'sampler', 'samples']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await closePanel();
  });

  it('Ready is answered with Init: settings, the model summary and the running flag', async () => {
    const panel = await openPanel();
    const init = collect(panel, (m) => m.type === MessageType.Init);
    await panel.handleMessage({ type: MessageType.Ready });
    const message = (await init).messages.at(-1) as InitMessage;
    assert.equal(message.running, false);
    assert.equal(message.model?.bundled, true);
    assert.equal(message.settings.sampler, config().get('sampler'));
    assert.equal(message.settings.steps, config().get('steps'));
  });

  it('invalid messages are answered with an Error and not acted on', async () => {
    const panel = await openPanel();
    const invalid: unknown[] = [
      null,
      42,
      'generate',
      [],
      {},
      { type: 'frame' },
      { type: 'nope' },
      { type: MessageType.Generate },
      { type: MessageType.Generate, settings: { ...SMALL, steps: 0 } },
      { type: MessageType.Generate, settings: { ...SMALL, steps: 1.5 } },
      { type: MessageType.Generate, settings: { ...SMALL, samples: 5000 } },
      { type: MessageType.Generate, settings: { ...SMALL, seed: -7 } },
      { type: MessageType.Generate, settings: { ...SMALL, eta: 2 } },
      { type: MessageType.Generate, settings: { ...SMALL, sampler: 'euler' } },
      { type: MessageType.Generate, settings: { ...SMALL, provider: 'tpu' } },
      { type: MessageType.Generate, settings: { ...SMALL, steps: '10' } },
    ];
    for (const raw of invalid) {
      const answer = collect(panel, () => true, 5000);
      await panel.handleMessage(raw);
      const reply = (await answer).messages[0];
      assert.equal(reply.type, MessageType.Error, `${JSON.stringify(raw)} was not refused`);
      assert.equal(panel.run.value, undefined, `${JSON.stringify(raw)} started a run`);
    }
  });

  it('a valid message with extra fields is accepted (the extras are ignored)', async () => {
    const panel = await openPanel();
    const answer = collect(panel, (m) => m.type === MessageType.Init, 5000);
    await panel.handleMessage({ type: MessageType.Ready, injected: '<script>', settings: 5 });
    assert.equal((await answer).messages.at(-1)?.type, MessageType.Init);
  });

  it('changed settings reach the panel live', async () => {
    const panel = await openPanel();
    const update = collect(panel, (m) => m.type === MessageType.Settings && m.settings.steps === 77);
    await config().update('steps', 77, vscode.ConfigurationTarget.Global);
    const message = (await update).messages.at(-1) as SettingsMessage;
    assert.equal(message.settings.steps, 77);
  });

  it('invalid values in settings.json fall back to the default for that key and do not crash', async () => {
    const panel = await openPanel();
    await config().update('sampler', 'ddim', vscode.ConfigurationTarget.Global);
    const update = collect(panel, (m) => m.type === MessageType.Settings && m.settings.samples === 81 && m.settings.steps === 50);
    await config().update('steps', 5000, vscode.ConfigurationTarget.Global);
    await config().update('samples', 'many', vscode.ConfigurationTarget.Global);
    const message = (await update).messages.at(-1) as SettingsMessage;
    assert.equal(message.settings.steps, 50, 'steps 5000 did not fall back to 50');
    assert.equal(message.settings.samples, 81);
    assert.equal(message.settings.sampler, 'ddim', 'a valid key was reset too');
  });
});
