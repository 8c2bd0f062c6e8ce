/**
 * Save: the last finished grid as a PNG with the run's recipe embedded (as `pndm sample --out` does), into
 * `pndm.outputFolder`, else the first workspace folder, else a folder the user picks with the save
 * dialog. The name is `pndm-<sampler>-<N>steps-seed<seed>.png`; an existing file is never replaced
 * (-1, -2… is appended). Afterwards the user is offered to open the file. A save that fails (read-only
 * folder, full disk) leaves no file and no temporary file behind, and its message says what to do.
 */
import * as path from 'node:path';
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { RunSummary } from '../protocol';
import type { ImageShape } from '../sampler';
import { encodeGridPngAsync } from '../runner/png';
import type { Log } from './log';
import { pngTextOf } from './modelSummary';
import { resolveUserPath } from './settings';
import { outputStem, writeNewFile } from '../io/uniqueFile';

/** What a finished run leaves behind for Save and Copy settings. */
export interface FinishedRun {
  readonly x: Float32Array;
  readonly count: number;
  readonly shape: ImageShape;
  readonly summary: RunSummary;
  readonly modelPath: string;
}

/** The folder to save into, or undefined when the user has to be asked. */
export function outputFolderFor(setting: string): string | undefined {
  const configured = resolveUserPath(setting);
  if (configured) return configured;
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  return folder?.uri.fsPath;
}

/** Save `run`; resolves with the written path, or undefined when the user cancelled the dialog. */
export async function saveRun(run: FinishedRun, outputFolderSetting: string, log: Log, offerToOpen = true): Promise<string | undefined> {
  const s = run.summary.settings;
  let stem = outputStem(s.sampler, s.steps, s.seed);
  let folder = outputFolderFor(outputFolderSetting);
  if (!folder) {
    const picked = await vscode.window.showSaveDialog({
      title: 'Save samples as PNG',
      defaultUri: vscode.Uri.file(path.join(os.homedir(), `${stem}.png`)),
      filters: { 'PNG image': ['png'] },
    });
    if (!picked) return undefined;
    folder = path.dirname(picked.fsPath);
    stem = path.basename(picked.fsPath).replace(/\.png$/i, '');
  }
  const png = await encodeGridPngAsync(run.x, run.count, run.shape, await pngTextOf(run.summary, run.modelPath)); // compressed off the host's thread
  let written: string;
  try {
    written = await writeNewFile(folder, stem, '.png', png);
  } catch (error) {
    const next = 'Free some space or choose a folder you can write to (setting pndm.outputFolder), then Save again.';
    throw new Error(`${(error as Error).message} ${next}`, { cause: error });
  }
  log('info', `Saved ${written} (${png.length} bytes).`);
  if (offerToOpen) {
    void vscode.window.showInformationMessage(`PNDM: saved ${path.basename(written)} in ${folder}.`, 'Open').then((choice) => {
      if (choice === 'Open') void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(written));
    });
  }
  return written;
}
