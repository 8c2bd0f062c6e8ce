/**
 * The workspace's run history: the last finished runs (settings, summary line, the grid as the PNG
 * Save would write) kept in workspaceState, so they survive a window reload. Oldest entries drop out;
 * a picture too large to keep is left out (the entry stays).
 */
import { randomUUID } from 'node:crypto';
import type * as vscode from 'vscode';
import { SOLVER_OPTION_DEFAULTS, type HistoryEntry, type RunSettings } from '../protocol';

const KEY = 'pndm.history';
/** Runs kept. */
export const MAX_HISTORY = 12;
/** A grid PNG larger than this (bytes) is not kept with its entry. */
export const MAX_KEPT_PNG = 1_500_000;

function isEntry(v: unknown): v is HistoryEntry {
  const e = v as HistoryEntry;
  return typeof e === 'object' && e !== null && typeof e.id === 'string' && typeof e.line === 'string' && typeof e.settings === 'object';
}

export class RunHistory {
  constructor(private readonly memento: vscode.Memento) {}

  get entries(): readonly HistoryEntry[] {
    const stored = this.memento.get<unknown>(KEY);
    // a run kept before the panel had solver controls ran with their defaults
    return Array.isArray(stored)
      ? stored.filter(isEntry).map((e) => ({ ...e, settings: { ...SOLVER_OPTION_DEFAULTS, ...e.settings } }))
      : [];
  }

  get(id: string): HistoryEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  async add(run: { modelPath: string; settings: RunSettings; line: string; png?: Uint8Array }): Promise<HistoryEntry> {
    const entry: HistoryEntry = {
      id: randomUUID(),
      time: Date.now(),
      modelPath: run.modelPath,
      settings: run.settings,
      line: run.line,
      png: run.png && run.png.length <= MAX_KEPT_PNG ? `data:image/png;base64,${Buffer.from(run.png).toString('base64')}` : undefined,
    };
    await this.memento.update(KEY, [entry, ...this.entries].slice(0, MAX_HISTORY));
    return entry;
  }

  /** The PNG bytes of an entry (undefined: no such entry, or its picture was not kept). */
  pngOf(id: string): Buffer | undefined {
    const png = this.get(id)?.png;
    return png ? Buffer.from(png.slice(png.indexOf(',') + 1), 'base64') : undefined;
  }
}
