/**
 * The `pndm.*` settings as the panel's defaults. Reads through settingsSchema.normalizeSettings, so a
 * wrong type, an out-of-range number or an unknown enum value in settings.json falls back to that
 * key's default, and the user is warned once per key and bad value (the warning names the key, the
 * value and what is valid). Changes fire `onDidChange` (the panel forwards them as a Settings message).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Log } from './log';
import { configuredValue, ignoredUntrusted, normalizeSettings, type ExtensionSettings } from './settingsSchema';

export class Settings implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ExtensionSettings>();
  readonly onDidChange = this.changed.event;
  private readonly warned = new Set<string>();
  private readonly subscription: vscode.Disposable;
  private readonly trustSubscription: vscode.Disposable;

  constructor(private readonly log: Log) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('pndm')) this.changed.fire(this.read());
    });
    // trusting the workspace lets its pndm.modelPath / pndm.outputFolder count (settingsSchema.configuredValue)
    this.trustSubscription = vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire(this.read()));
  }

  /** The current settings, every value valid. */
  read(): ExtensionSettings {
    const config = vscode.workspace.getConfiguration('pndm');
    const trusted = vscode.workspace.isTrusted;
    // only what the user wrote (the contributed default is ours and valid); file paths from an untrusted workspace are not
    const { settings, problems } = normalizeSettings((key) => configuredValue(key, config.inspect(key), trusted));
    for (const key of ignoredUntrusted((key) => config.inspect(key), trusted)) {
      const id = `untrusted:${key}`;
      if (this.warned.has(id)) continue;
      this.warned.add(id);
      this.log('warn', `pndm.${key} in this workspace's settings is ignored until you trust the workspace; using your user setting.`);
    }
    for (const problem of problems) {
      const id = `${problem.key}=${JSON.stringify(problem.value)}`;
      if (this.warned.has(id)) continue;
      this.warned.add(id);
      this.log('warn', problem.message);
      void vscode.window.showWarningMessage(`PNDM: ${problem.message}`, 'Open Settings').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', `pndm.${problem.key}`);
      });
    }
    return settings;
  }

  dispose(): void {
    this.subscription.dispose();
    this.trustSubscription.dispose();
    this.changed.dispose();
  }
}

/** A user-given path: `~` is the home folder, a relative path is taken from the first workspace folder. */
export function resolveUserPath(value: string): string | undefined {
  const trimmed = value.trim();
  if (!trimmed) return undefined;
  const expanded = trimmed === '~' || trimmed.startsWith('~/') ? path.join(os.homedir(), trimmed.slice(1)) : trimmed;
  if (path.isAbsolute(expanded)) return path.normalize(expanded);
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder && folder.uri.scheme === 'file' ? path.join(folder.uri.fsPath, expanded) : path.resolve(expanded);
}
