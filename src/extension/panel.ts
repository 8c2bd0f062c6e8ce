/**
 * The sampling panel (one at a time): creates or reveals the webview, answers its Ready with Init,
 * validates and dispatches every message it sends, owns the worker client (closing the panel cancels
 * the run and shuts the worker down) and keeps the last frame and result so that a panel that was
 * hidden, or restored after a reload, is repainted without retainContextWhenHidden.
 * A Generate while a run is going is refused with a notice (Cancel first).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  MessageType,
  type FrameData,
  type FrameMessage,
  type FromWebview,
  type HistoryEntry,
  type ShowRunMessage,
  type RunSettings,
  type ToWebview,
} from '../protocol';
import { Disposable, MutableDisposable } from './disposable';
import type { Log } from './log';
import { ModelSlot } from './modelSlot';
import { pngTextOf, samePath } from './modelSummary';
import { panelHtml } from './panelHtml';
import type { PickedModels } from './pickedModels';
import { FrameRecorder } from './animation';
import { Inspector } from './inspectActions';
import { settingsFromPng } from './pngSettings';
import { preflightRun } from './preflight';
import { openRecentModel } from './recentModels';
import { copyKeptSettings, copySettings, saveFinished, saveHistoryEntry } from './resultActions';
import { SamplingRun } from './runController';
import { RunStatusBar } from './runStatusBar';
import type { RunHistory } from './runHistory';
import type { FinishedRun } from './save';
import { encodeGridPngAsync } from '../runner/png';
import { resolveUserPath, type Settings } from './settings';
import { runSettingsOf } from './settingsSchema';
import { METHODS } from '../sampler';
import { validateMessage } from './validate';
import { WorkerClient } from './workerClient';

export interface PanelServices {
  readonly extensionUri: vscode.Uri;
  readonly settings: Settings;
  readonly log: Log;
  readonly bundledModel: string;
  readonly workerScript: string;
  /** Model files the user picked; the only paths (besides the bundled model and pndm.modelPath) a restored panel reopens. */
  readonly pickedModels: PickedModels;
  /** The workspace's last finished runs. */
  readonly history: RunHistory;
}

export class SamplingPanel extends Disposable {
  static readonly viewType = 'pndm.samplingPanel';
  static current: SamplingPanel | undefined;

  readonly client: WorkerClient;
  readonly model: ModelSlot;
  /** The current run; setting a new one disposes (cancels) the previous one. */
  readonly run = new MutableDisposable<SamplingRun>();
  private readonly posted = new vscode.EventEmitter<ToWebview>();
  /** Every message sent to the webview (tests listen here). */
  readonly onDidPost = this.posted.event;
  private lastFrame: FrameMessage | undefined;
  /** A run to show once the webview has said Ready (showRun on a panel that is still loading). */
  private pendingShow: ShowRunMessage | undefined;
  private webviewReady = false;
  /** The last run that finished (Save, Copy settings, the summary line). */
  private finishedRun: FinishedRun | undefined;
  /** A run opened from the history, while it is on show: Save, Copy settings and the zoom act on it. */
  private shownEntry: HistoryEntry | undefined;
  /** Progress in the status bar while the panel is hidden. */
  readonly statusBar = new RunStatusBar();
  /** Re-sampling one image and exporting the denoising of the last finished run. */
  readonly inspector: Inspector;

  static createOrShow(services: PanelServices, modelPath?: string): SamplingPanel {
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    if (modelPath) void services.pickedModels.add(modelPath);
    const existing = SamplingPanel.current;
    if (existing) {
      existing.panel.reveal(column);
      if (modelPath) void existing.setModel(modelPath);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(SamplingPanel.viewType, 'PNDM Sampler', column, webviewOptions(services.extensionUri));
    return new SamplingPanel(panel, services, modelPath);
  }

  /** Restore a panel after a window reload (registerWebviewPanelSerializer); the state is the webview's. */
  static revive(panel: vscode.WebviewPanel, services: PanelServices, state: unknown): SamplingPanel {
    SamplingPanel.current?.dispose();
    const modelPath = restoredModelPath(state, services);
    panel.webview.options = webviewOptions(services.extensionUri);
    return new SamplingPanel(panel, services, modelPath);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly services: PanelServices,
    modelPath: string | undefined,
  ) {
    super();
    SamplingPanel.current = this;
    this.client = new WorkerClient(services.workerScript, services.log);
    this.inspector = new Inspector(this.client, services.log, (m) => this.post(m));
    this.model = new ModelSlot(
      this.client,
      services.log,
      services.bundledModel,
      (m) => this.post(m),
      (message) => this.notifyError(message),
    );
    this.register({ dispose: () => this.client.dispose() });
    this.register(this.run);
    this.register(this.posted);
    this.register(this.statusBar);
    this.register(panel.onDidDispose(() => this.dispose()));
    this.register(
      panel.onDidChangeViewState((e) => {
        this.statusBar.setPanelVisible(e.webviewPanel.visible);
        if (!e.webviewPanel.visible) this.webviewReady = false; // a hidden webview is gone; it says Ready again when shown
      }),
    );
    this.register({ dispose: () => setContext({ 'pndm.panelOpen': false, 'pndm.running': false, 'pndm.hasResult': false }) });
    setContext({ 'pndm.panelOpen': true, 'pndm.running': false, 'pndm.hasResult': false });
    panel.iconPath = {
      light: vscode.Uri.joinPath(services.extensionUri, 'media', 'pndm-light.svg'),
      dark: vscode.Uri.joinPath(services.extensionUri, 'media', 'pndm-dark.svg'),
    };
    this.register(panel.webview.onDidReceiveMessage((m: unknown) => void this.handleMessage(m)));
    this.register(services.settings.onDidChange((s) => this.post({ type: MessageType.Settings, settings: runSettingsOf(s) })));
    panel.webview.html = panelHtml(panel.webview, services.extensionUri);
    void this.setModel(modelPath ?? resolveUserPath(services.settings.read().modelPath) ?? services.bundledModel);
  }

  /** The last run that finished (Save, Copy settings, the summary line). */
  get finished(): FinishedRun | undefined {
    return this.finishedRun;
  }

  set finished(run: FinishedRun | undefined) {
    this.finishedRun = run;
    this.shownEntry = undefined; // a run of this session is on show again
    setContext({ 'pndm.hasResult': run !== undefined });
  }

  override dispose(): void {
    if (SamplingPanel.current === this) SamplingPanel.current = undefined;
    super.dispose(); // cancels the run, shuts the worker down
    this.panel.dispose();
  }

  post(message: ToWebview): void {
    if (this.isDisposed) return;
    this.posted.fire(message);
    void this.panel.webview.postMessage(message);
  }

  /**
   * An error is shown once: in the panel when the user can see it, else as a notification (a panel in
   * a background tab or closed group would keep it unseen). Issue 7, item 11.
   */
  notifyError(message: string): void {
    if (!this.panel.visible) void vscode.window.showErrorMessage(`PNDM: ${message}`);
  }

  setModel(modelPath: string) {
    this.panel.title = `PNDM: ${modelPath.split(/[\\/]/).pop()}`;
    const settings = this.services.settings.read();
    return this.model.switchTo(modelPath, settings.executionProvider, settings.samples);
  }

  /** The handler behind webview.onDidReceiveMessage: validate, then act; never rejects (a failure is reported to the panel). */
  async handleMessage(raw: unknown): Promise<void> {
    try {
      await this.dispatch(raw);
    } catch (error) {
      const message = `The panel's request failed: ${error instanceof Error ? error.message : String(error)}`;
      this.services.log('error', message);
      this.post({ type: MessageType.Error, message });
    }
  }

  private async dispatch(raw: unknown): Promise<void> {
    const checked = validateMessage(raw);
    if (!checked.ok) {
      this.services.log('warn', `Refused a panel message: ${checked.error}`);
      this.post({ type: MessageType.Error, message: checked.error });
      return;
    }
    const message: FromWebview = checked.message;
    switch (message.type) {
      case MessageType.Ready:
        if (message.shownLine !== undefined) this.adoptShownRun(message.shownLine);
        return this.sendInit();
      case MessageType.Generate:
        this.generate(message.settings);
        return;
      case MessageType.Cancel:
        if (this.run.value) this.run.value.cancel();
        else this.post({ type: MessageType.Notice, message: 'Nothing is running.' });
        return;
      case MessageType.Save:
        if (this.shownEntry) {
          // the picture on show is a kept run: Save writes that one, not the last run of this session
          await saveHistoryEntry(
            this.services.history,
            this.shownEntry.id,
            this.services.settings.read().outputFolder,
            this.services.log,
            (m) => this.post(m),
          );
          return;
        }
        await saveFinished(
          this.finished,
          this.services.settings.read().outputFolder,
          this.services.log,
          (m) => this.post(m),
          (m) => this.notifyError(m),
        );
        return;
      case MessageType.CopySettings:
        if (this.shownEntry) await copyKeptSettings(this.services.history, this.shownEntry.id, (m) => this.post(m));
        else await copySettings(this.finished, (m) => this.post(m));
        return;
      case MessageType.BrowseModel: {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: false,
          filters: { 'ONNX model': ['onnx', 'ONNX'] },
          openLabel: 'Use model',
        });
        if (picked?.[0]) {
          void this.services.pickedModels.add(picked[0].fsPath);
          await this.setModel(picked[0].fsPath);
        }
        return;
      }
      case MessageType.UseBundledModel:
        await this.setModel(this.services.bundledModel);
        return;
      case MessageType.RecentModels:
        void openRecentModel(this.services); // a quick pick waits for the user: the panel's messages must not
        return;
      case MessageType.ResampleImage:
        if (this.refuseWhileRunning()) return;
        await this.inspector.resample(message.index);
        return;
      case MessageType.ExportAnimation:
        if (this.refuseWhileRunning()) return;
        await this.inspector.exportAnimation(this.services.settings.read().outputFolder, message.index);
        return;
      case MessageType.OpenHistory: {
        const entry = this.services.history.get(message.id);
        if (!entry?.png) {
          this.post({ type: MessageType.Notice, message: 'That run is no longer in the history (or its picture was too large to keep).' });
          return;
        }
        if (this.refuseWhileRunning()) return;
        this.shownEntry = entry;
        this.inspector.setKept(entry);
        this.post({ type: MessageType.ShowRun, settings: entry.settings, image: entry.png, line: entry.line });
        return;
      }
      case MessageType.SaveHistory:
        await saveHistoryEntry(this.services.history, message.id, this.services.settings.read().outputFolder, this.services.log, (m) =>
          this.post(m),
        );
        return;
      case MessageType.OpenPng:
        this.openPng(Buffer.from(message.data, 'base64'), message.name);
        return;
      case MessageType.OpenCompare:
        await vscode.commands.executeCommand('pndm.compare', this.model.path);
        return;
      default: {
        const unreachable: never = message;
        this.post({ type: MessageType.Error, message: `Unhandled message ${JSON.stringify(unreachable)}` });
      }
    }
  }

  /** Keep a finished run in the workspace's history (its grid as the PNG Save writes) and show the new history. */
  private async remember(run: FinishedRun): Promise<void> {
    try {
      const png = await encodeGridPngAsync(run.x, run.count, run.shape, await pngTextOf(run.summary, run.modelPath));
      await this.services.history.add({ modelPath: run.modelPath, settings: run.summary.settings, line: run.summary.line, png });
      this.post({ type: MessageType.History, entries: this.services.history.entries });
    } catch (error) {
      this.services.log('warn', `Could not keep the run in the history: ${(error as Error).message}`);
    }
  }

  /** Restore the settings a PNG saved by pndm or the panel was made with, and show its picture; false when it has none. */
  openPng(bytes: Uint8Array, name: string): boolean {
    const read = settingsFromPng(bytes, name, runSettingsOf(this.services.settings.read()));
    if (!read.ok) {
      this.services.log('warn', read.error);
      this.post({ type: MessageType.Error, message: read.error });
      return false;
    }
    const image = `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
    this.show({ type: MessageType.ShowRun, settings: read.settings, image, line: read.line });
    const otherModel =
      read.model && read.model !== path.basename(this.model.path)
        ? `; it was made with ${read.model}, the panel stays on ${path.basename(this.model.path)}`
        : '';
    const missing = read.notInPanel.length
      ? ` The panel has no control for its ${read.notInPanel.join(', ')}, so its samples will differ; \`pndm sample --settings ${name}\` reproduces them.`
      : '';
    this.post({ type: MessageType.Notice, message: `Settings restored from ${name}${otherModel}.${missing}` });
    return true;
  }

  /** True (and a notice) when a run is going: the worker samples one thing at a time. */
  private refuseWhileRunning(): boolean {
    if (!this.run.value) return false;
    this.post({ type: MessageType.Notice, message: 'A run is going: wait for it to finish (or cancel it), then try again.' });
    return true;
  }

  /** Start a run; undefined when one is already going (refused with a notice). */
  generate(settings: RunSettings): SamplingRun | undefined {
    if (this.run.value) {
      this.post({ type: MessageType.Notice, message: 'A run is already going: cancel it first, or wait for it to finish.' });
      return undefined;
    }
    const refusal = this.model.limits && preflightRun(settings, this.model.limits);
    if (refusal) {
      this.services.log('warn', refusal);
      this.post({ type: MessageType.Error, message: refusal });
      return undefined;
    }
    this.lastFrame = undefined;
    if (this.shownEntry) this.inspector.setRun(undefined, []); // the canvas now shows this run, not the kept one
    this.shownEntry = undefined;
    const label = `${METHODS[settings.sampler].label} ${settings.steps} steps`;
    this.statusBar.setPanelVisible(this.panel.visible);
    this.statusBar.started(label);
    setContext({ 'pndm.running': true });
    const recorder = new FrameRecorder();
    const run = new SamplingRun({
      notifyError: (message) => this.notifyError(message),
      client: this.client,
      post: (m) => this.post(m),
      log: this.services.log,
      modelPath: this.model.path,
      settings,
      showProgress: this.services.settings.read().progressNotification,
      onFrame: (frame) => {
        this.lastFrame = frame;
        recorder.add(frame.progress.nfe === 0 ? -1 : frame.progress.step, frame); // x_T stays the first frame
        this.statusBar.progress(label, frame.progress);
      },
      onEnded: (outcome) => {
        this.run.clearIf(run);
        this.statusBar.ended();
        setContext({ 'pndm.running': false });
        if (outcome.kind === 'finished') {
          this.finished = outcome.result;
          this.inspector.setRun(outcome.result, recorder.all);
          void this.remember(outcome.result);
        }
      },
    });
    this.run.value = run;
    return run;
  }

  /** Show a run finished elsewhere (a compare cell) as this panel's own: its settings, grid and summary; Save and Copy act on it. */
  showRun(run: FinishedRun, frame: FrameData): void {
    if (this.run.value) {
      this.post({ type: MessageType.Notice, message: 'A run is going: cancel it first, then open the cell again.' });
      return;
    }
    const { settings } = run.summary;
    this.finished = run;
    this.inspector.setRun(run, [frame]);
    const n = run.summary.nfe;
    this.lastFrame = {
      type: MessageType.Frame,
      ...frame,
      progress: {
        step: settings.steps,
        steps: settings.steps,
        nfe: n,
        progress: 1,
        itPerSecond: n / Math.max(run.summary.wallMs / 1000, 1e-6),
        secondsLeft: 0,
        provider: run.summary.provider,
      },
      final: true,
    };
    this.show({ type: MessageType.ShowRun, settings, frame, line: run.summary.line });
  }

  /** Post a ShowRun now, or once the webview has said Ready (a panel that is still loading). */
  private show(message: ShowRunMessage): void {
    this.pendingShow = message;
    if (this.webviewReady) this.flushShow();
  }

  private flushShow(): void {
    if (this.pendingShow) this.post(this.pendingShow);
    this.pendingShow = undefined;
  }

  /**
   * A page restored after a reload shows a grid this new host never ran: if the history kept that run,
   * it becomes the run on show (Save, Copy settings, zoom and Re-sample act on it).
   */
  private adoptShownRun(line: string): void {
    if (this.finished || this.shownEntry || this.run.value) return;
    const entry = this.services.history.entries.find((e) => e.line === line && e.png);
    if (!entry) return;
    this.shownEntry = entry;
    this.inspector.setKept(entry);
  }

  private sendInit(): void {
    this.post({
      type: MessageType.Init,
      settings: runSettingsOf(this.services.settings.read()),
      model: this.model.summary,
      running: this.run.value !== undefined,
      // while a kept run is on show the page's own restored picture and summary are that run's
      lastFrame: this.shownEntry ? undefined : this.lastFrame,
      lastSummary: this.shownEntry ? undefined : this.finished?.summary,
      history: this.services.history.entries,
    });
    this.webviewReady = true;
    this.flushShow();
  }
}

/** Context keys for the title-bar commands' enablement and keybindings. */
function setContext(keys: Record<string, boolean>): void {
  for (const [key, value] of Object.entries(keys)) void vscode.commands.executeCommand('setContext', key, value);
}

/** A model path a restored panel may reopen: the bundled model, pndm.modelPath, or one the user picked. */
/**
 * The model a restored webview (sampling panel or compare view) may reopen: the one its state names if
 * the user picked it (or it is the bundled model or pndm.modelPath) and it still exists; else undefined.
 */
export function restoredModelPath(state: unknown, services: PanelServices): string | undefined {
  const saved = state && typeof state === 'object' ? (state as { modelPath?: unknown }).modelPath : undefined;
  if (typeof saved !== 'string') return undefined;
  if (!isKnownModel(saved, services)) {
    services.log('warn', `Not reopening ${JSON.stringify(saved.slice(0, 300))} from a restored view: it is not a model you picked.`);
    return undefined;
  }
  return fs.existsSync(saved) ? saved : undefined;
}

function isKnownModel(modelPath: string, services: PanelServices): boolean {
  const configured = resolveUserPath(services.settings.read().modelPath);
  return (
    samePath(modelPath, services.bundledModel) ||
    (configured !== undefined && samePath(modelPath, configured)) ||
    services.pickedModels.has(modelPath)
  );
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}
