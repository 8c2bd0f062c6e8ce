/**
 * What the panel can do with the last finished run: save it as a PNG, or copy its settings as the JSON
 * `pndm sample --settings` accepts. Before any run has finished both answer with a clear notice.
 */
import * as vscode from 'vscode';
import { MessageType, type ToWebview } from '../protocol';
import type { Log } from './log';
import { settingsFileOf } from './modelSummary';
import type { RunHistory } from './runHistory';
import { outputFolderFor, saveRun, type FinishedRun } from './save';
import { outputStem, writeNewFile } from '../io/uniqueFile';
import { readPngSettings } from '../runner/pngText';

type Post = (message: ToWebview) => void;

/** Resolves with the file written (undefined: nothing to save, the dialog was cancelled, or it failed). */
export async function saveFinished(
  finished: FinishedRun | undefined,
  outputFolder: string,
  log: Log,
  post: Post,
  /** Shows an error once: the panel's own notifier (a notification only while the panel is hidden). */
  notifyError: (message: string) => void,
): Promise<string | undefined> {
  if (!finished) {
    post({ type: MessageType.Notice, message: 'Nothing to save yet: generate samples first, then save.' });
    return undefined;
  }
  try {
    const written = await saveRun(finished, outputFolder, log);
    if (written) post({ type: MessageType.Notice, message: `Saved ${written}` });
    return written;
  } catch (error) {
    const message = (error as Error).message;
    log('error', `Save failed: ${message}`);
    post({ type: MessageType.Error, message });
    notifyError(message);
    return undefined;
  }
}

/** Resolves with the JSON put on the clipboard (undefined: nothing to copy yet). */
export async function copySettings(finished: FinishedRun | undefined, post: Post): Promise<string | undefined> {
  if (!finished) {
    post({ type: MessageType.Notice, message: 'No settings to copy yet: generate samples first.' });
    return undefined;
  }
  const json = JSON.stringify(await settingsFileOf(finished.summary, finished.modelPath), null, 2);
  await vscode.env.clipboard.writeText(json);
  post({ type: MessageType.Notice, message: 'Settings copied: JSON for `pndm sample --settings file.json`.' });
  return json;
}

/** Copy a history entry's settings: the recipe its picture carries, as Copy settings gave it for the run. */
export async function copyKeptSettings(history: RunHistory, id: string, post: Post): Promise<string | undefined> {
  const png = history.pngOf(id);
  if (!png) {
    post({ type: MessageType.Notice, message: 'That run is no longer in the history (or its picture was too large to keep).' });
    return undefined;
  }
  const json = JSON.stringify(readPngSettings(png), null, 2);
  await vscode.env.clipboard.writeText(json);
  post({ type: MessageType.Notice, message: 'Settings copied: JSON for `pndm sample --settings file.json`.' });
  return json;
}

/** Save a history entry's picture (the PNG Save wrote for it, settings embedded) as a new file in the output folder. */
export async function saveHistoryEntry(
  history: RunHistory,
  id: string,
  outputFolder: string,
  log: Log,
  post: Post,
): Promise<string | undefined> {
  const entry = history.get(id);
  const png = history.pngOf(id);
  if (!entry || !png) {
    post({ type: MessageType.Notice, message: 'That run is no longer in the history (or its picture was too large to keep).' });
    return undefined;
  }
  const folder = outputFolderFor(outputFolder);
  if (!folder) {
    post({ type: MessageType.Notice, message: 'Open a folder or set pndm.outputFolder to save runs from the history.' });
    return undefined;
  }
  try {
    const s = entry.settings;
    const written = await writeNewFile(folder, outputStem(s.sampler, s.steps, s.seed), '.png', png);
    log('info', `Saved ${written} from the history (${png.length} bytes).`);
    post({ type: MessageType.Notice, message: `Saved ${written}` });
    return written;
  } catch (error) {
    const message = (error as Error).message;
    log('error', `Save failed: ${message}`);
    post({ type: MessageType.Error, message });
    return undefined;
  }
}
