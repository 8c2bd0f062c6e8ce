/**
 * Helpers for the PNDM integration tests (run inside a real VS Code by scripts/vscode/run-integration.mjs):
 * the extension's test API, a panel on the bundled model, and runs observed through the messages the
 * panel sends its webview.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PndmTestApi } from '../../src/extension/testApi';
import type { SamplingPanel } from '../../src/extension/panel';
import {
  SOLVER_OPTION_DEFAULTS,
  MessageType,
  type FrameMessage,
  type RunSettings,
  type RunSummary,
  type ToWebview,
} from '../../src/protocol';

export const EXTENSION_ID = 'pndm-sampler.pndm-sampler';

export async function pndm(): Promise<PndmTestApi> {
  const ext = vscode.extensions.getExtension<PndmTestApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this VS Code`);
  const api = await ext.activate();
  assert.ok(api && typeof api.panel === 'function', 'the extension did not return its test API (is the extension mode Test?)');
  return api;
}

/** The panel on the bundled model (opened by the real command), with the model loaded. */
export async function openPanel(): Promise<SamplingPanel> {
  // activate first: a command that activates the extension is routed through the workbench, which
  // serialises its result; once activated, executeCommand calls the handler in this host directly
  await pndm();
  const panel = (await vscode.commands.executeCommand('pndm.generate')) as SamplingPanel;
  assert.ok(panel, 'pndm.generate returned no panel');
  const summary = await panel.model.ready;
  assert.ok(summary, 'the bundled model did not load');
  return panel;
}

export async function closePanel(): Promise<void> {
  (await pndm()).panel()?.dispose();
}

export const SMALL: RunSettings = {
  sampler: 'f-pndm',
  steps: 10,
  samples: 4,
  seed: 0,
  spacing: 'leading',
  eta: 0,
  variance: 'auto',
  ...SOLVER_OPTION_DEFAULTS,
  provider: 'cpu',
  preview: 'x0',
};

/** Collect what the panel posts until `done(message)` is true (or reject after `timeoutMs`). */
export function collect(
  panel: SamplingPanel,
  done: (m: ToWebview) => boolean,
  timeoutMs = 120_000,
): Promise<{ messages: ToWebview[]; times: number[] }> {
  return new Promise((resolve, reject) => {
    const messages: ToWebview[] = [];
    const times: number[] = [];
    const stop = () => {
      clearTimeout(timer);
      sub.dispose();
      closed.dispose();
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out after ${timeoutMs} ms; saw ${messages.map((m) => m.type).join(', ')}`));
    }, timeoutMs);
    const sub = panel.onDidPost((m) => {
      messages.push(m);
      times.push(performance.now());
      if (done(m)) {
        stop();
        resolve({ messages, times });
      }
    });
    // a closed panel posts nothing more: settle with what was seen
    const closed = panel.panel.onDidDispose(() => {
      stop();
      resolve({ messages, times });
    });
  });
}

export const ends = (m: ToWebview) =>
  m.type === MessageType.RunFinished || m.type === MessageType.RunCancelled || (m.type === MessageType.Error && m.runEnded === true);

export interface RunObserved {
  readonly messages: ToWebview[];
  readonly frames: FrameMessage[];
  readonly frameTimes: number[];
  readonly finalReceived: boolean;
  readonly summary?: RunSummary;
  readonly end: ToWebview;
  readonly started: number;
  readonly ended: number;
  /** The shortest gap between two frames on the throttle's own clock (the times above add the listeners' jitter). */
  readonly throttleMinGapMs?: number;
}

/** Generate through the same handler the webview's messages go through, and watch until the run ends. */
export async function generate(panel: SamplingPanel, settings: RunSettings = SMALL, timeoutMs = 300_000): Promise<RunObserved> {
  const watching = collect(panel, ends, timeoutMs);
  const started = performance.now();
  await panel.handleMessage({ type: MessageType.Generate, settings });
  const outcome = panel.run.value?.done;
  const { messages, times } = await watching;
  const stats = (await outcome)?.stats;
  const frames: FrameMessage[] = [];
  const frameTimes: number[] = [];
  messages.forEach((m, i) => {
    if (m.type === MessageType.Frame) {
      frames.push(m);
      frameTimes.push(times[i]);
    }
  });
  const end = messages[messages.length - 1] ?? { type: MessageType.RunCancelled };
  return {
    messages,
    frames,
    frameTimes,
    finalReceived: frames.some((f) => f.final),
    summary: end.type === MessageType.RunFinished ? end.summary : undefined,
    end,
    started,
    ended: times[times.length - 1] ?? performance.now(),
    throttleMinGapMs: stats?.minFrameGapMs,
  };
}

/** A timing goal: what we aim for, and the sanity bound (about 10× the goal) that alone is asserted. */
export interface Goal {
  readonly goal: number;
  readonly sanity: number;
  /** true: the figure should be at least the goal (e.g. frames a second); default: at most. */
  readonly atLeast?: boolean;
}

/**
 * Merge figures into test-artifacts/measurements.json beside the extension (with the goals of the timing
 * figures, which scripts/measure-extension.mjs prints as a table), and log them.
 */
export async function recordMeasurement(
  name: string,
  values: Record<string, number | string>,
  goals: Record<string, Goal> = {},
): Promise<void> {
  const dir = join((await pndm()).services.extensionUri.fsPath, 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'measurements.json');
  const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  all[name] = { ...values, ...(Object.keys(goals).length ? { goals } : {}), at: new Date().toISOString() };
  writeFileSync(file, JSON.stringify(all, null, 2) + '\n');
  const mark = process.env.PNDM_TEST_MARK === '1' ? '[pndm-test] ' : ''; // run-integration.mjs prints marked lines
  const shown = (k: string, v: number | string) =>
    `${k}=${typeof v === 'number' ? +v.toFixed(3) : v}${goals[k] ? ` (goal ${goals[k].atLeast ? '≥' : '≤'} ${goals[k].goal})` : ''}`;
  console.log(
    `${mark}[measure] ${name}: ${Object.entries(values)
      .map(([k, v]) => shown(k, v))
      .join(' ')}`,
  );
}

/**
 * Timing figures are measurements: recorded with their goals, and asserted only against sanity bounds
 * (about 10× the goal), so that a machine busy with other work never turns a correct build red.
 */
export async function recordTimings(name: string, values: Record<string, number | string>, goals: Record<string, Goal>): Promise<void> {
  await recordMeasurement(name, values, goals);
  for (const [key, g] of Object.entries(goals)) {
    const v = Number(values[key]);
    assert.ok(
      Number.isFinite(v) && (g.atLeast ? v >= g.sanity : v <= g.sanity),
      `${name}.${key} = ${v}: past the sanity bound ${g.sanity} (goal ${g.goal}); something is broken, not just slow`,
    );
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `check()` is true (polling), or fail with `what`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Lateness of a 10 ms setInterval while `during` runs: p99, max and tick count (ms). */
export async function intervalLateness(during: () => Promise<unknown>): Promise<{ p99: number; max: number; ticks: number }> {
  const late: number[] = [];
  let expected = performance.now() + 10;
  const timer = setInterval(() => {
    const now = performance.now();
    late.push(Math.max(0, now - expected));
    expected = now + 10;
  }, 10);
  try {
    await during();
  } finally {
    clearInterval(timer);
  }
  late.sort((a, b) => a - b);
  return { p99: late[Math.floor(0.99 * (late.length - 1))] ?? 0, max: late[late.length - 1] ?? 0, ticks: late.length };
}
