/**
 * The sampling panel's script. It speaks first (Ready); the host answers with Init (settings, model,
 * running flag, last frame, last summary) and then streams frames. Everything the user does goes to the
 * host as a FromWebview message; the host validates it again.
 */
import { MessageType, type ToWebview } from '../src/protocol';
import { controls, onAnyChange, randomSeed, readSettings, showEtaWhereItApplies, writeSettings } from './controls';
import { drawDataUrl, drawFrame, snapshot } from './grid';
import { loadState, saveState, send } from './state';
import { registerToolkit } from './toolkit';
import { setRunning, showMessage, showModel, showProgress, showStatus, showSummary, statusText } from './view';

registerToolkit();
const canvas = document.getElementById('grid') as HTMLCanvasElement;
/** Frames drawn since the page loaded (the UI test reads it). */
let framesDrawn = 0;
document.body.dataset.frames = '0';

const restored = loadState();
if (restored.settings) writeSettings(restored.settings);
if (restored.image) drawDataUrl(canvas, restored.image);
if (restored.summaryLine) showSummary(restored.summaryLine);
if (restored.statusLine) showStatus(restored.statusLine);

const click = (id: string, action: () => void) => document.getElementById(id)?.addEventListener('click', action);
click('generate', () => {
  const read = readSettings();
  if ('error' in read) return showMessage(read.error, 'error');
  showMessage('');
  send({ type: MessageType.Generate, settings: read.settings });
});
click('cancel', () => send({ type: MessageType.Cancel }));
click('save', () => send({ type: MessageType.Save }));
click('copy', () => send({ type: MessageType.CopySettings }));
click('browse', () => send({ type: MessageType.BrowseModel }));
click('bundled', () => send({ type: MessageType.UseBundledModel }));
click('new-seed', () => {
  controls.seed.value = String(randomSeed());
  persistSettings();
});
controls.sampler.addEventListener('change', showEtaWhereItApplies);
onAnyChange(() => persistSettings());

function persistSettings(): void {
  const read = readSettings();
  if ('settings' in read) saveState({ settings: read.settings });
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => handle(event.data));

function handle(message: ToWebview): void {
  switch (message.type) {
    case MessageType.Init:
      if (!loadState().settings) writeSettings(message.settings);
      if (message.model) {
        showModel(message.model);
        saveState({ modelPath: message.model.path });
      }
      if (message.lastFrame) drawFrame(canvas, message.lastFrame);
      if (message.lastFrame?.progress) showProgress(message.lastFrame.progress, !message.running);
      if (message.lastSummary) showSummary(message.lastSummary.line);
      setRunning(message.running);
      return;
    case MessageType.Settings:
      writeSettings(message.settings);
      persistSettings();
      return;
    case MessageType.Model:
      showModel(message.model);
      showMessage('');
      saveState({ modelPath: message.model.path });
      return;
    case MessageType.RunStarted:
      setRunning(true);
      showSummary('');
      showMessage('');
      showStatus(`starting: ${message.expectedNfe ?? 'adaptive number of'} model calls…`);
      return;
    case MessageType.Frame:
      drawFrame(canvas, message);
      showProgress(message.progress, message.final);
      document.body.dataset.frames = String(++framesDrawn);
      return;
    case MessageType.RunFinished:
      setRunning(false);
      showSummary(message.summary.line);
      saveState({ summaryLine: message.summary.line, statusLine: statusText(), image: snapshot(canvas) });
      return;
    case MessageType.RunCancelled:
      setRunning(false);
      showMessage('Cancelled.');
      return;
    case MessageType.Error:
      if (message.runEnded) setRunning(false);
      showMessage(message.message, 'error');
      return;
    case MessageType.Notice:
      showMessage(message.message);
      return;
    default: {
      const unknown: never = message;
      showMessage(`Unknown message from the extension: ${JSON.stringify(unknown)}`, 'error');
    }
  }
}

send({ type: MessageType.Ready });
