/**
 * The context key `pndm.diffusersFolders`: the workspace's diffusers pipeline folders (those holding
 * model_index.json or unet/model.onnx), so that the Explorer's context menu offers "Sample from This
 * Model" on them (`resourcePath in pndm.diffusersFolders`). Kept up to date by a file watcher.
 */
import * as vscode from 'vscode';
import { DIFFUSERS_MARKERS, diffusersFolderOf } from './modelTarget';

const GLOB = `**/{${DIFFUSERS_MARKERS.join(',')}}`;
const MAX_FOLDERS = 500;

export class DiffusersFolders implements vscode.Disposable {
  private readonly watcher = vscode.workspace.createFileSystemWatcher(GLOB);
  private timer: NodeJS.Timeout | undefined;
  /** Settles when the first scan has set the context key. */
  readonly ready: Promise<readonly string[]>;

  constructor() {
    const later = () => this.schedule();
    this.watcher.onDidCreate(later);
    this.watcher.onDidDelete(later);
    this.ready = this.scan();
  }

  async scan(): Promise<readonly string[]> {
    const found = await vscode.workspace.findFiles(GLOB, '**/node_modules/**', MAX_FOLDERS);
    const folders = [...new Set(found.map((uri) => diffusersFolderOf(uri.fsPath)))].sort();
    await vscode.commands.executeCommand('setContext', 'pndm.diffusersFolders', folders);
    return folders;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.watcher.dispose();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.scan(), 500);
  }
}
