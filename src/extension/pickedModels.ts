/**
 * The model files the user picked in this workspace (Explorer or editor menu, the palette's file
 * dialog, the panel's Browse…), remembered in workspaceState. A panel restored after a reload reopens
 * the model its webview state names only if it is one of these, the bundled model or `pndm.modelPath`:
 * a path that comes from the webview is never trusted by itself.
 */
import type * as vscode from 'vscode';
import { samePath } from './modelSummary';

const KEY = 'pndm.pickedModels';
/** The most recent picks kept. */
export const MAX_PICKED = 32;

export class PickedModels {
  constructor(private readonly memento: vscode.Memento) {}

  get all(): readonly string[] {
    const stored = this.memento.get<unknown>(KEY);
    return Array.isArray(stored) ? stored.filter((p): p is string => typeof p === 'string') : [];
  }

  add(modelPath: string): Thenable<void> {
    const rest = this.all.filter((p) => !samePath(p, modelPath));
    return this.memento.update(KEY, [modelPath, ...rest].slice(0, MAX_PICKED));
  }

  has(modelPath: string): boolean {
    return this.all.some((p) => samePath(p, modelPath));
  }
}
