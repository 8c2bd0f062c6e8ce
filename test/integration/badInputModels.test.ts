/**
 * Bad models through the extension: models the adapter refuses when the panel switches to them, a
 * model that turns NaN or Inf part-way through a run (stopped at that step, which the message names),
 * and one that throws inside onnxruntime at run time. Each time: the message in the panel, the worker
 * and the host alive, and the next run works.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { MessageType } from '../../src/protocol';
import { batchOfOneModel, gaussianBytes, tableModel } from '../support/badModels';
import { bundledRunWorks, errorAfter, stubWindow, tempFolder, writeModelFile } from './badInputHelpers';
import { closePanel, generate, openPanel, SMALL } from './pndmHelpers';

describe('PNDM bad input: models', function () {
  this.timeout(120_000);
  let dir: string;
  let notifications: ReturnType<typeof stubWindow>;
  before(() => (dir = tempFolder()));
  beforeEach(() => (notifications = stubWindow('showErrorMessage')));
  afterEach(() => notifications.restore());
  after(closePanel);

  const use = async (panel: Awaited<ReturnType<typeof openPanel>>, path: string) => {
    await vscode.commands.executeCommand('pndm.sampleFromModel', vscode.Uri.file(path));
    return panel.model.ready;
  };

  it('models the adapter refuses (conditional, float16, no 4-D input, wrong output, dynamic size) are named in the panel', async () => {
    const panel = await openPanel();
    const cases: [string, Uint8Array, RegExp][] = [
      [
        'conditional.onnx',
        gaussianBytes({ extraInputs: [{ name: 'encoder_hidden_states', type: 'float32', shape: ['N', 77, 768] }] }),
        /conditional\.onnx has the input "encoder_hidden_states" \(float32 \[N, 77, 768\]\) besides the image "sample" and the timestep "timestep"\. Only unconditional ε-models \(image and timestep inputs only\) are supported/,
      ],
      [
        'labels.onnx',
        gaussianBytes({ extraInputs: [{ name: 'class_labels', type: 'int64', shape: ['N'] }] }),
        /has the input "class_labels" \(int64 \[N\]\) besides the image/,
      ],
      [
        'half.onnx',
        gaussianBytes({ imageType: 'float16' }),
        /^The image input "sample" \(float16 \[N, 1, 4, 4\]\) of .*half\.onnx has dtype float16; only float32 models are supported\. Re-export/,
      ],
      [
        'flat.onnx',
        gaussianBytes({ flatImage: true }),
        /flat\.onnx has no 4-D image input; its inputs are "sample" \(float32 \[N, 16\]\), "timestep" \(int64 \[N\]\)/,
      ],
      [
        'mismatch.onnx',
        gaussianBytes({ outputMismatch: 'declared' }),
        /^The output "noise_pred" of .*mismatch\.onnx has shape \[N, 1, 4, 3\], but an ε-model's output must match the image "sample": \[N, 1, 4, 4\]/,
      ],
      [
        'dynamic.onnx',
        gaussianBytes({ height: 'H', width: 'W' }),
        /^The image input "sample" \(float32 \[N, 1, H, W\]\) of .*dynamic\.onnx has a dynamic height and width, and nothing says the size it was trained at\. Add diffusion\.image_size/,
      ],
    ];
    for (const [name, bytes, expected] of cases) {
      const path = writeModelFile(dir, name, bytes);
      const error = await errorAfter(panel, () => use(panel, path));
      assert.match(error.message, expected, name);
      assert.ok(
        !notifications.calls.some((c) => c[0] === `PNDM: ${error.message}`),
        `${name}: shown twice, also as a notification while the panel is visible`,
      );
      assert.equal(panel.model.summary, undefined, name);
    }
    await bundledRunWorks(panel);
  });

  it('a model whose output turns NaN (then one that turns Inf) at t < 500: the run stops at step 6 and says so; the next run works', async () => {
    const panel = await openPanel();
    for (const [name, bad] of [
      ['nan.onnx', NaN],
      ['inf.onnx', Infinity],
    ] as const) {
      const path = writeModelFile(
        dir,
        name,
        tableModel((t) => (t < 500 ? bad : 0.05)),
      );
      assert.ok(await use(panel, path), `${name} did not load`);
      // DDIM, 10 steps on T = 1000: t = 900, 800, …, 0; the 6th model call is at t = 400
      const before = panel.finished;
      const run = await generate(panel, { ...SMALL, sampler: 'ddim', steps: 10, samples: 4 });
      assert.equal(run.end.type, MessageType.Error, `${name}: ${JSON.stringify(run.end)}`);
      const end = run.end as { message: string; runEnded?: boolean };
      assert.equal(end.runEnded, true);
      assert.match(
        end.message,
        /^The model produced NaN or Inf at step 6 \(t = 400\) in the model output; the run was stopped\. Check that the model expects images in \[-1, 1\] and this timestep range, or try another execution provider\.$/,
      );
      assert.ok(
        !notifications.calls.some((c) => c[0] === `PNDM: ${end.message}`),
        `${name}: shown twice, also as a notification while the panel is visible`,
      );
      assert.ok(!run.frames.some((f) => f.final), `${name}: a final frame was sent for a failed run`);
      assert.ok(
        run.frames.every((f) => f.progress.step <= 5),
        `${name}: a frame after the failing step`,
      );
      assert.equal(panel.run.value, undefined);
      assert.equal(panel.finished, before, `${name}: the failed run left a result to save`);
    }
    await bundledRunWorks(panel);
  });

  it('a model that throws inside onnxruntime for a batch of 4: the error reaches the panel; 1 sample on the same model works', async () => {
    const panel = await openPanel();
    const path = writeModelFile(dir, 'batch1.onnx', batchOfOneModel());
    assert.ok(await use(panel, path), 'batch1.onnx did not load');
    const run = await generate(panel, { ...SMALL, sampler: 'ddim', steps: 2, samples: 4 });
    assert.equal(run.end.type, MessageType.Error, JSON.stringify(run.end));
    const message = (run.end as { message: string }).message;
    assert.match(
      message,
      /^onnxruntime failed to run .*batch1\.onnx \(batch 4, t = 500\): Non-zero status code returned while running Reshape node\..*The input tensor cannot be reshaped to the requested shape\..* — the model loaded but cannot compute this input\. If it runs one image at a time \(1 sample; pndm: --batch 1\), it only takes a fixed batch size/s,
    );
    assert.equal(panel.run.value, undefined);
    const one = await generate(panel, { ...SMALL, sampler: 'ddim', steps: 2, samples: 1 });
    assert.equal(one.end.type, MessageType.RunFinished, JSON.stringify(one.end));
    assert.match(one.summary!.line, /^DDIM, 2 steps, 1 samples: 2 model calls on cpu/);
    await bundledRunWorks(panel);
  });
});
