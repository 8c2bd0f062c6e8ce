/**
 * The two commands. `pndm.generate` opens (or reveals) the panel on the model `pndm.modelPath` names
 * (the bundled one by default). `pndm.sampleFromModel` takes the `.onnx` file it was invoked on
 * (Explorer, editor title or editor context menu) or, from the palette, asks for one. Both resolve
 * with the panel controller (undefined when the user cancelled the dialog).
 */
import * as vscode from 'vscode';
import { SamplingPanel, type PanelServices } from './panel';

export function registerCommands(services: PanelServices): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('pndm.generate', (): SamplingPanel => SamplingPanel.createOrShow(services)),
    vscode.commands.registerCommand('pndm.sampleFromModel', async (uri?: vscode.Uri): Promise<SamplingPanel | undefined> => {
      let model = uri instanceof vscode.Uri ? uri : undefined;
      if (!model) {
        const picked = await vscode.window.showOpenDialog({
          title: 'Sample from an ONNX diffusion model',
          canSelectMany: false,
          filters: { 'ONNX model': ['onnx'] },
          openLabel: 'Sample from This Model',
        });
        model = picked?.[0];
      }
      if (!model) return undefined;
      if (model.scheme !== 'file') {
        void vscode.window.showErrorMessage(`PNDM: ${model.toString()} is not on the local file system; open a local .onnx file.`);
        return undefined;
      }
      return SamplingPanel.createOrShow(services, model.fsPath);
    }),
  ];
}
