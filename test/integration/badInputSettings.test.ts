/**
 * Bad settings and requests through the extension: invalid values in settings.json fall back to their
 * default with one warning naming key, value and range; webview requests with an unknown sampler or
 * steps below 1 are refused; a request over the memory budget (a 1×512×512 model, 1024 samples) or with
 * more steps than the model's T (100, from its metadata) is refused before any run starts, with the
 * numbers — and a request that fits then runs.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { MessageType, type SettingsMessage, type ToWebview } from '../../src/protocol';
import { DEFAULT_SCHEDULE } from '../../src/sampler/schedule';
import { gaussianBytes } from '../support/badModels';
import { stubWindow, tempFolder, writeModelFile } from './badInputHelpers';
import { closePanel, collect, generate, openPanel, SMALL } from './pndmHelpers';

describe('PNDM bad input: settings and requests', function () {
  this.timeout(120_000);
  const config = () => vscode.workspace.getConfiguration('pndm');
  let dir: string;
  before(() => (dir = tempFolder()));
  after(async () => {
    for (const key of ['steps', 'sampler', 'eta']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await closePanel();
  });

  it('invalid values in settings.json: the default is used, and one warning names the key, the value and the range', async () => {
    const panel = await openPanel();
    const warnings = stubWindow('showWarningMessage');
    try {
      const update = collect(
        panel,
        (m) => m.type === MessageType.Settings && m.settings.steps === 50 && m.settings.sampler === 'f-pndm' && m.settings.eta === 0.5,
      );
      await config().update('eta', 0.5, vscode.ConfigurationTarget.Global);
      await config().update('steps', 12345, vscode.ConfigurationTarget.Global);
      await config().update('sampler', 'euler-a', vscode.ConfigurationTarget.Global);
      const settings = ((await update).messages.at(-1) as SettingsMessage).settings;
      assert.deepEqual([settings.steps, settings.sampler, settings.eta], [50, 'f-pndm', 0.5]);
      // more reads (another change, a panel Ready) do not repeat the warnings
      await config().update('eta', 0.25, vscode.ConfigurationTarget.Global);
      await panel.handleMessage({ type: MessageType.Ready });
      const texts = warnings.calls.map((c) => c[0]);
      assert.deepEqual(texts.filter((t) => typeof t === 'string' && /pndm\.(steps|sampler) /.test(t)).sort(), [
        'PNDM: pndm.sampler is "euler-a", which is not one of f-pndm, s-pndm, fon, plms, ddim, pf, ddpm, dpmpp-2m, dpmpp-3m, unipc, ipndm, ipndm-v; using the default "f-pndm".',
        'PNDM: pndm.steps is 12345, which is not an integer from 1 to 1000; using the default 50.',
      ]);
      assert.ok(
        warnings.calls.every((c) => c[1] === 'Open Settings'),
        'the warning offers to open the settings',
      );
    } finally {
      warnings.restore();
      for (const key of ['steps', 'sampler', 'eta']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a Generate with an unknown sampler, or steps below 1, is refused with what is allowed', async () => {
    const panel = await openPanel();
    const cases: [unknown, string][] = [
      [
        { ...SMALL, sampler: 'euler' },
        'Generate refused: settings.sampler is "euler"; it must be one of f-pndm, s-pndm, fon, plms, ddim, pf, ddpm, dpmpp-2m, dpmpp-3m, unipc, ipndm, ipndm-v.',
      ],
      [{ ...SMALL, steps: 0 }, 'Generate refused: settings.steps is 0; it must be an integer from 1 to 1000.'],
      [{ ...SMALL, steps: 1001 }, 'Generate refused: settings.steps is 1001; it must be an integer from 1 to 1000.'],
      [{ ...SMALL, samples: 1025 }, 'Generate refused: settings.samples is 1025; it must be an integer from 1 to 1024.'],
    ];
    for (const [settings, expected] of cases) {
      const answer = collect(panel, () => true, 5000);
      await panel.handleMessage({ type: MessageType.Generate, settings });
      assert.deepEqual((await answer).messages, [{ type: MessageType.Error, message: expected }]);
      assert.equal(panel.run.value, undefined);
    }
  });

  /** Generate and return everything posted until the refusal (or the run's end). */
  async function refusal(panel: Awaited<ReturnType<typeof openPanel>>, settings: typeof SMALL): Promise<ToWebview[]> {
    const seen = collect(panel, (m) => m.type === MessageType.Error || m.type === MessageType.RunFinished, 30_000);
    const started = panel.generate(settings);
    assert.equal(started, undefined, 'a run was created');
    assert.equal(panel.run.value, undefined);
    return (await seen).messages;
  }

  it('1024 samples of a 1×512×512 model are refused up front with the memory they would need; 1 sample runs', async () => {
    const panel = await openPanel();
    const path = writeModelFile(dir, 'big.onnx', gaussianBytes({ height: 512, width: 512 }));
    await vscode.commands.executeCommand('pndm.sampleFromModel', vscode.Uri.file(path));
    assert.equal((await panel.model.ready)?.imageShape, '1×512×512');
    const messages = await refusal(panel, { ...SMALL, samples: 1024 });
    assert.deepEqual(messages, [
      {
        type: MessageType.Error,
        message:
          'Generate refused: 1024 samples of 1×512×512 with F-PNDM would hold 10.0 GiB of sampler state, over the 2.0 GiB budget; use at most 204 samples.',
      },
    ]);
    // through the webview's own message as well
    const viaMessage = collect(panel, () => true, 5000);
    await panel.handleMessage({ type: MessageType.Generate, settings: { ...SMALL, sampler: 'pf', samples: 1000 } });
    assert.match(
      ((await viaMessage).messages[0] as { message: string }).message,
      /^Generate refused: 1000 samples of 1×512×512 with PF-ODE would hold 13\.7 GiB of sampler state, over the 2\.0 GiB budget; use at most 146 samples\.$/,
    );
    const one = await generate(panel, { ...SMALL, sampler: 'ddim', steps: 2, samples: 1 });
    assert.equal(one.end.type, MessageType.RunFinished, JSON.stringify(one.end));
  });

  it("more steps than the model's T (100, from its metadata) are refused up front; 100 steps run", async () => {
    const panel = await openPanel();
    const path = writeModelFile(dir, 't100.onnx', gaussianBytes({ schedule: { ...DEFAULT_SCHEDULE, numTrainTimesteps: 100 } }));
    await vscode.commands.executeCommand('pndm.sampleFromModel', vscode.Uri.file(path));
    assert.equal((await panel.model.ready)?.numTrainTimesteps, 100);
    assert.deepEqual(await refusal(panel, { ...SMALL, sampler: 'ddim', steps: 500 }), [
      {
        type: MessageType.Error,
        message: "Generate refused: 500 steps is more than the model's 100 training timesteps; use at most 100 steps.",
      },
    ]);
    const full = await generate(panel, { ...SMALL, sampler: 'ddim', steps: 100, samples: 2 });
    assert.equal(full.end.type, MessageType.RunFinished, JSON.stringify(full.end));
    assert.match(full.summary!.line, /^DDIM, 100 steps, 2 samples: 100 model calls on cpu/);
  });
});
