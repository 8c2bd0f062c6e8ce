import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { MessageType } from '../../src/protocol';
import { webgpuUnavailable } from '../support/webgpu';
import { closePanel, EXTENSION_ID, generate, openPanel, SMALL } from './pndmHelpers';

// The panel with provider webgpu in a real VS Code: the worker opens a WebGPU session (Dawn, on Mesa's
// lavapipe when scripts/setup-webgpu.mjs installed it) and the run finishes on it, not on a silent CPU.
describe('PNDM: WebGPU in the panel', function () {
  this.timeout(300_000);
  afterEach(closePanel);

  it('a run with provider webgpu finishes on WebGPU with a final grid', async function () {
    const skip = webgpuUnavailable(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath);
    if (skip) {
      console.log(`WebGPU panel test skipped: ${skip}`);
      this.skip();
    }
    const panel = await openPanel();
    const run = await generate(panel, { ...SMALL, sampler: 'ddim', steps: 3, samples: 4, provider: 'webgpu' });
    assert.equal(run.end.type, MessageType.RunFinished, JSON.stringify(run.end));
    assert.match(run.summary!.line, /^DDIM, 3 steps, 4 samples: 3 model calls on webgpu/);
    const final = run.frames[run.frames.length - 1];
    assert.equal(final.final, true);
    assert.equal(final.count, 4);
    assert.equal(final.progress.provider, 'webgpu');
  });
});
