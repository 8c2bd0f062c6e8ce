/**
 * The recent-models quick pick: the models the user opened in this workspace (most recent first,
 * src/extension/pickedModels.ts) and the bundled one; the panel switches to the one picked.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SamplingPanel, type PanelServices } from './panel';

/** The quick pick of models opened before (most recent first) and the bundled one. */
export async function openRecentModel(services: PanelServices): Promise<SamplingPanel | undefined> {
  const items: (vscode.QuickPickItem & { modelPath: string })[] = services.pickedModels.all
    .filter((p) => p !== services.bundledModel)
    .map((p) => ({
      label: path.basename(p),
      description: path.dirname(p),
      modelPath: p,
    }));
  items.push({ label: path.basename(services.bundledModel), description: 'bundled MNIST model', modelPath: services.bundledModel });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'PNDM: Open Recent Model',
    placeHolder: 'A model you sampled from before',
    matchOnDescription: true,
  });
  return picked ? SamplingPanel.createOrShow(services, picked.modelPath) : undefined;
}
