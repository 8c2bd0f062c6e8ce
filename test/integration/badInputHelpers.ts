/**
 * Helpers for the bad-input integration tests: throw-away model files, stand-ins for VS Code's dialogs
 * and notifications (recorded, so that a test sees what the user would have been shown), and the check
 * that the host is alive: a short run on the bundled model finishes.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SamplingPanel } from '../../src/extension/panel';
import { MessageType, type ToWebview } from '../../src/protocol';
import { collect, generate, SMALL } from './pndmHelpers';

export const tempFolder = (prefix = 'pndm-bad-input-'): string => mkdtempSync(join(tmpdir(), prefix));

export function writeModelFile(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

type Window = typeof vscode.window;
type WindowFn = {
  [K in keyof Window]: Window[K] extends (...args: never[]) => unknown ? K : never;
}[keyof Window];

/** Replace vscode.window[name] (the extension sees the same API object) and record the calls. */
export function stubWindow(name: WindowFn, answer: (...args: unknown[]) => unknown = () => Promise.resolve(undefined)) {
  const target = vscode.window as unknown as Record<string, unknown>;
  const original = target[name];
  const calls: unknown[][] = [];
  target[name] = (...args: unknown[]) => {
    calls.push(args);
    return answer(...args);
  };
  assert.notEqual(target[name], original, `vscode.window.${name} could not be replaced`);
  return { calls, restore: () => void (target[name] = original) };
}

/** The message of the first Error the panel posts after `action` (or fail after `timeoutMs`). */
export async function errorAfter(
  panel: SamplingPanel,
  action: () => unknown,
  timeoutMs = 60_000,
): Promise<ToWebview & { type: MessageType.Error }> {
  const error = collect(panel, (m) => m.type === MessageType.Error, timeoutMs);
  await action();
  const last = (await error).messages.at(-1);
  assert.equal(last?.type, MessageType.Error, 'the panel closed before posting an error');
  return last as ToWebview & { type: MessageType.Error };
}

/** The host is alive: switch to the bundled model and finish a two-step run on it. */
export async function bundledRunWorks(panel: SamplingPanel): Promise<void> {
  await panel.handleMessage({ type: MessageType.UseBundledModel });
  assert.equal((await panel.model.ready)?.bundled, true, 'the bundled model did not load');
  const run = await generate(panel, { ...SMALL, sampler: 'ddim', steps: 2, samples: 1 });
  assert.equal(run.end.type, MessageType.RunFinished, `the run afterwards did not finish: ${JSON.stringify(run.end)}`);
}
