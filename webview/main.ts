/**
 * The sampling panel's script. It speaks first (Ready); the host answers with Init (settings, model,
 * running flag, last frame, last summary) and then streams frames. Everything the user does goes to the
 * host as a FromWebview message; the host validates it again.
 */
import { MessageType, type FrameMessage, type RunSettings, type ToWebview } from '../src/protocol';
import { controls, onAnyChange, randomSeed, readSettings, showControlsThatApply, writeSettings } from './controls';
import { drawDataUrl, drawFrame, snapshot } from './grid';
import { changedSettings } from './settingsMerge';
import { loadState, saveState, send } from './state';
import { registerToolkit } from './toolkit';
import { currentGeometry, resampled, setGeometry, setupZoom, zoomNotice } from './zoom';
import { setupHistory, showHistory } from './history';
import { describeGrid, setRunning, showMessage, showModel, showProgress, showStatus, showSummary, statusText } from './view';

registerToolkit();
const canvas = document.getElementById('grid') as HTMLCanvasElement;
/** Frames drawn since the page loaded (the UI test reads it). */
let framesDrawn = 0;
let runsFinished = 0; // data-finished: lets a test wait for *this* run's end, not a restored summary
document.body.dataset.frames = '0';

const restored = loadState();
if (restored.settings) writeSettings(restored.settings);
if (restored.image) drawDataUrl(canvas, restored.image);
if (restored.summaryLine) showSummary(restored.summaryLine);
if (restored.statusLine) showStatus(restored.statusLine);
if (restored.gridLabel) describeGrid(canvas, restored.gridLabel);
setupZoom();
setupHistory();
setGeometry(restored.grid);
/** The settings of the run being shown (for the grid's text alternative). */
let shown: RunSettings | undefined;

const click = (id: string, action: () => void) => document.getElementById(id)?.addEventListener('click', action);
click('generate', generate);
click('recent', () => send({ type: MessageType.RecentModels }));
click('compare', () => send({ type: MessageType.OpenCompare }));
click('export-gif', () => send({ type: MessageType.ExportAnimation }));
click('cancel', () => send({ type: MessageType.Cancel }));
click('save', () => send({ type: MessageType.Save }));
click('copy', () => send({ type: MessageType.CopySettings }));
click('browse', () => send({ type: MessageType.BrowseModel }));
click('bundled', () => send({ type: MessageType.UseBundledModel }));
click('new-seed', () => {
  controls.seed.value = String(randomSeed());
  persistSettings();
});
controls.sampler.addEventListener('change', () => showControlsThatApply());
onAnyChange(() => persistSettings());

function generate(): void {
  const read = readSettings();
  if ('error' in read) return showMessage(read.error, 'error');
  showMessage('');
  send({ type: MessageType.Generate, settings: read.settings });
}

/** The sampler's name as its dropdown shows it. */
function samplerLabel(name: string): string {
  return document.querySelector(`#sampler vscode-option[value="${name}"]`)?.textContent?.trim() || name;
}

/** Say in words what the canvas shows now (its text alternative for screen readers). */
function describeFrame(frame: FrameMessage): void {
  const columns = Math.ceil(Math.sqrt(frame.count));
  const what = frame.final ? 'final samples' : shown?.preview === 'xt' ? 'noisy states x_t' : 'predicted clean images x̂₀';
  const run = shown ? `, ${samplerLabel(shown.sampler)}, ${shown.steps} steps, seed ${shown.seed}` : '';
  const step = frame.final ? '' : ` at step ${frame.progress.step} of ${frame.progress.steps}`;
  describeGrid(canvas, `Sample grid of ${frame.count} images in ${columns} columns${run}: ${what}${step}.`);
}

/** Apply the host's settings to the controls whose setting changed since it last sent them. */
function applyHostSettings(next: RunSettings): void {
  writeSettings(changedSettings(loadState().hostSettings, next));
  saveState({ hostSettings: next });
  persistSettings();
}

function persistSettings(): void {
  const read = readSettings();
  if ('settings' in read) saveState({ settings: read.settings });
}

// a PNG saved by pndm or the panel, dropped on the panel (VS Code: hold Shift while dropping), restores its settings
document.body.addEventListener('dragover', (e) => e.preventDefault());
document.body.addEventListener('drop', (e) => {
  e.preventDefault();
  const file = e.dataTransfer?.files[0];
  if (!file) return;
  if (!/\.png$/i.test(file.name)) return showMessage(`${file.name} is not a PNG: drop a PNG saved by pndm sample or this panel.`, 'error');
  const reader = new FileReader();
  reader.onload = () => send({ type: MessageType.OpenPng, name: file.name, data: String(reader.result).replace(/^data:[^,]*,/, '') });
  reader.onerror = () => showMessage(`Could not read ${file.name}.`, 'error');
  reader.readAsDataURL(file);
});

window.addEventListener('message', (event: MessageEvent<ToWebview>) => handle(event.data));

function handle(message: ToWebview): void {
  switch (message.type) {
    case MessageType.Init:
      if (!loadState().settings) {
        writeSettings(message.settings);
        saveState({ hostSettings: message.settings });
      } else applyHostSettings(message.settings); // settings changed while the page was away
      if (message.model) {
        showModel(message.model);
        saveState({ modelPath: message.model.path });
      }
      if (message.lastFrame) {
        drawFrame(canvas, message.lastFrame);
        setGeometry({ count: message.lastFrame.count, width: message.lastFrame.width, height: message.lastFrame.height });
      }
      if (message.lastSummary) shown = message.lastSummary.settings;
      if (message.lastFrame?.progress) showProgress(message.lastFrame.progress, !message.running);
      // A Generate clicked before this page's Init may already have started a run: its summary is still to come.
      if (message.running) showSummary('');
      else if (message.lastSummary) showSummary(message.lastSummary.line);
      setRunning(message.running);
      showHistory(message.history);
      return;
    case MessageType.Settings:
      applyHostSettings(message.settings);
      return;
    case MessageType.Model:
      showModel(message.model);
      showMessage('');
      saveState({ modelPath: message.model.path });
      return;
    case MessageType.RunStarted:
      setRunning(true);
      shown = message.settings;
      showSummary('');
      showMessage('');
      showStatus(`starting: ${message.expectedNfe ?? 'adaptive number of'} model calls…`);
      return;
    case MessageType.Frame:
      drawFrame(canvas, message);
      setGeometry({ count: message.count, width: message.width, height: message.height });
      describeFrame(message);
      showProgress(message.progress, message.final);
      document.body.dataset.frames = String(++framesDrawn);
      return;
    case MessageType.RunFinished:
      setRunning(false);
      document.body.dataset.finished = String(++runsFinished);
      showSummary(message.summary.line);
      describeGrid(canvas, `Sample grid: ${message.summary.line}`);
      saveState({
        summaryLine: message.summary.line,
        statusLine: statusText(),
        image: snapshot(canvas),
        gridLabel: canvas.getAttribute('aria-label') ?? undefined,
        grid: currentGeometry(),
      });
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
      zoomNotice(message.message); // the zoom dialog is modal: a refused re-sample must say so inside it
      return;
    case MessageType.ImageResampled:
      resampled(message);
      return;
    case MessageType.GenerateFromForm:
      generate();
      return;
    case MessageType.ShowRun:
      writeSettings(message.settings);
      persistSettings();
      shown = message.settings;
      if (message.frame) {
        drawFrame(canvas, message.frame);
        setGeometry({ count: message.frame.count, width: message.frame.width, height: message.frame.height });
      } else if (message.image) {
        // a picture from the history: its layout follows from its size and number of images
        setGeometry(undefined);
        const count = message.settings.samples;
        drawDataUrl(canvas, message.image, (width, height) => {
          setGeometry({ count, width, height });
          saveState({ grid: currentGeometry() });
        });
      }
      setRunning(false);
      showMessage('');
      showStatus('');
      showSummary(message.line);
      describeGrid(canvas, `Sample grid: ${message.line}`);
      saveState({
        summaryLine: message.line,
        statusLine: '',
        image: message.image ?? snapshot(canvas),
        gridLabel: canvas.getAttribute('aria-label') ?? undefined,
        grid: currentGeometry(),
      });
      return;
    case MessageType.History:
      showHistory(message.entries);
      return;
    default: {
      const unknown: never = message;
      showMessage(`Unknown message from the extension: ${JSON.stringify(unknown)}`, 'error');
    }
  }
}

send({ type: MessageType.Ready, shownLine: restored.summaryLine });
