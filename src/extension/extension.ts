/**
 * Activation (by a command, or by VS Code restoring a panel after a reload): the log channel, the
 * settings, the commands, the diffusers-folder context key and the two views' serializers, all collected in context.subscriptions.
 * The extension host never loads onnxruntime-node: the model runs in dist/worker.js.
 * In test mode (extensionMode Test, or PNDM_TEST set) activate returns a small API for the tests.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { ComparePanel } from './comparePanel';
import { DiffusersFolders } from './diffusersFolders';
import { createLog } from './log';
import { SamplingPanel, type PanelServices } from './panel';
import { PickedModels } from './pickedModels';
import { RunHistory } from './runHistory';
import { Settings } from './settings';
import { testApi, type PndmTestApi } from './testApi';

export function activate(context: vscode.ExtensionContext): PndmTestApi | undefined {
  const { log, channel } = createLog();
  const settings = new Settings(log);
  context.subscriptions.push(channel, settings);
  const services: PanelServices = {
    extensionUri: context.extensionUri,
    settings,
    log,
    bundledModel: context.asAbsolutePath('models/mnist_ddpm.onnx'),
    workerScript: context.asAbsolutePath('dist/worker.js'),
    pickedModels: new PickedModels(context.workspaceState),
    history: new RunHistory(context.workspaceState),
  };
  context.subscriptions.push(
    ...registerCommands(services),
    vscode.window.registerWebviewPanelSerializer(SamplingPanel.viewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => void SamplingPanel.revive(panel, services, state),
    }),
    vscode.window.registerWebviewPanelSerializer(ComparePanel.viewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => void ComparePanel.revive(panel, services, state),
    }),
    { dispose: () => SamplingPanel.current?.dispose() },
    { dispose: () => ComparePanel.current?.dispose() },
    new DiffusersFolders(),
  );
  settings.read(); // warn about invalid pndm.* values at once
  log('info', `PNDM Sampler ${context.extension.packageJSON.version} activated (${vscode.ExtensionMode[context.extensionMode]} mode).`);
  const testing = context.extensionMode === vscode.ExtensionMode.Test || process.env.PNDM_TEST !== undefined;
  return testing ? testApi(services) : undefined;
}

export function deactivate(): void {
  SamplingPanel.current?.dispose();
  ComparePanel.current?.dispose();
}
