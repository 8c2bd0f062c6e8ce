/**
 * The commands. `pndm.generate` opens (or reveals) the panel on the model `pndm.modelPath` names
 * (the bundled one by default). `pndm.sampleFromModel` takes the `.onnx` file or diffusers folder it
 * was invoked on (Explorer, editor title or editor context menu) or, from the palette, asks for one.
 * `pndm.openRecentModel` offers the models picked before; `pndm.compare` opens the compare view on the
 * panel's model (or the one given); `pndm.tuneGrid` tunes a grid for it (tuneGridCommand.ts). `pndm.panel.*` are the panel's own
 * Generate / Cancel / Save, for its editor title bar and keybindings. The panel commands resolve with
 * the panel controller (undefined when the user cancelled).
 */
import * as vscode from 'vscode';
import { MessageType } from '../protocol';
import { ComparePanel } from './comparePanel';
import { modelTargetOf } from './modelTarget';
import { SamplingPanel, type PanelServices } from './panel';
import { openRecentModel } from './recentModels';
import { saveFinished } from './resultActions';
import { resolveUserPath } from './settings';
import { tuneGridCommand, type TuneGridArgs } from './tuneGridCommand';

export function registerCommands(services: PanelServices): vscode.Disposable[] {
  const command = vscode.commands.registerCommand;
  return [
    command('pndm.generate', (): SamplingPanel => SamplingPanel.createOrShow(services)),
    command('pndm.sampleFromModel', (uri?: vscode.Uri) => sampleFromModel(services, uri)),
    command('pndm.openRecentModel', () => openRecentModel(services)),
    command('pndm.openSettingsFromPng', async (uri?: vscode.Uri): Promise<boolean> => {
      let file = uri instanceof vscode.Uri ? uri : undefined;
      if (!file) {
        const picked = await vscode.window.showOpenDialog({
          title: 'Restore the settings of a PNG saved by PNDM',
          canSelectMany: false,
          filters: { 'PNG image': ['png', 'PNG'] },
          openLabel: 'Open Settings',
        });
        file = picked?.[0];
      }
      if (!file) return false;
      const bytes = await vscode.workspace.fs.readFile(file);
      return SamplingPanel.createOrShow(services).openPng(bytes, file.path.split('/').pop() ?? 'the PNG');
    }),
    command('pndm.compare', (modelPath?: unknown): ComparePanel => {
      const model =
        (typeof modelPath === 'string' && modelPath) ||
        SamplingPanel.current?.model.path ||
        resolveUserPath(services.settings.read().modelPath) ||
        services.bundledModel;
      return ComparePanel.createOrShow(services, model);
    }),
    command('pndm.tuneGrid', (args?: TuneGridArgs | vscode.Uri) => {
      // from a model's context menu: that model (a diffusers folder means its unet/model.onnx)
      if (args instanceof vscode.Uri) {
        const target =
          args.scheme === 'file'
            ? modelTargetOf(args.fsPath)
            : { ok: false as const, error: `${args.toString()} is not on the local file system` };
        if (!target.ok) {
          void vscode.window.showErrorMessage(`PNDM: cannot tune a grid: ${target.error}`);
          return Promise.resolve(undefined);
        }
        return tuneGridCommand(services, { modelPath: target.modelPath });
      }
      return tuneGridCommand(services, typeof args === 'object' && args ? args : {});
    }),
    command('pndm.panel.generate', (): SamplingPanel => {
      const panel = SamplingPanel.createOrShow(services);
      panel.post({ type: MessageType.GenerateFromForm });
      return panel;
    }),
    command('pndm.panel.cancel', (): boolean => {
      const run = SamplingPanel.current?.run.value;
      run?.cancel();
      return run !== undefined;
    }),
    command('pndm.panel.save', async (): Promise<string | undefined> => {
      const panel = SamplingPanel.current;
      if (!panel) return undefined;
      return saveFinished(
        panel.finished,
        services.settings.read().outputFolder,
        services.log,
        (m) => panel.post(m),
        (m) => panel.notifyError(m),
      );
    }),
  ];
}

async function sampleFromModel(services: PanelServices, uri?: vscode.Uri): Promise<SamplingPanel | undefined> {
  let model = uri instanceof vscode.Uri ? uri : undefined;
  if (!model) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Sample from an ONNX diffusion model',
      canSelectMany: false,
      filters: { 'ONNX model': ['onnx', 'ONNX'] },
      openLabel: 'Sample from This Model',
    });
    model = picked?.[0];
  }
  if (!model) return undefined;
  if (model.scheme !== 'file') {
    void vscode.window.showErrorMessage(`PNDM: ${model.toString()} is not on the local file system; open a local .onnx file.`);
    return undefined;
  }
  // a diffusers folder means its unet/model.onnx; anything else goes to the panel as it is, whose loader
  // says what is wrong with it there, once (a missing file, a folder without a model, a FIFO …)
  const target = modelTargetOf(model.fsPath);
  return SamplingPanel.createOrShow(services, target.ok ? target.modelPath : model.fsPath);
}
