/**
 * The compare view (one at a time): "PNDM: Compare Samplers" or the panel's button opens it on a
 * model. It validates what its webview sends, runs a Comparison in its own worker (the sampling
 * panel's runs are not disturbed), keeps the cells so that a view that was hidden is repainted, caches
 * reference solves, and opens a cell as a normal run in the sampling panel.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MessageType, type CompareRequest, type FromCompareView, type ModelSummary, type ToCompareView } from '../protocol';
import { METHODS, SAMPLER_NAMES } from '../sampler';
import { compareHtml } from './compareHtml';
import { cellRunSettings, Comparison, type ReferenceCache } from './comparison';
import { Disposable, MutableDisposable } from './disposable';
import { summarizeModel } from './modelSummary';
import { resolveUserPath } from './settings';
import { restoredModelPath, SamplingPanel, webviewOptions, type PanelServices } from './panel';
import { validateCompareMessage } from './validate';
import { WorkerClient } from './workerClient';

export class ComparePanel extends Disposable {
  static readonly viewType = 'pndm.comparePanel';
  static current: ComparePanel | undefined;

  private readonly client: WorkerClient;
  readonly comparison = new MutableDisposable<Comparison>();
  private readonly cache: ReferenceCache = new Map();
  private model: ModelSummary | undefined;
  private modelPath: string;
  private readonly posted = new vscode.EventEmitter<ToCompareView>();
  /** Every message sent to the webview (tests listen here). */
  readonly onDidPost = this.posted.event;

  static createOrShow(services: PanelServices, modelPath: string): ComparePanel {
    const existing = ComparePanel.current;
    if (existing) {
      existing.panel.reveal();
      if (existing.modelPath !== modelPath && !existing.comparison.value) void existing.setModel(modelPath);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      ComparePanel.viewType,
      'PNDM: Compare',
      vscode.ViewColumn.Active,
      webviewOptions(services.extensionUri),
    );
    return new ComparePanel(panel, services, modelPath);
  }

  /**
   * Restore the view after a window reload (registerWebviewPanelSerializer): on the model its state
   * names if the user picked it, else pndm.modelPath, else the bundled model. The cells of a comparison
   * lived in the old extension host and are not kept; the webview says so and keeps the form.
   */
  static revive(panel: vscode.WebviewPanel, services: PanelServices, state: unknown): ComparePanel {
    ComparePanel.current?.dispose();
    const modelPath = restoredModelPath(state, services) || resolveUserPath(services.settings.read().modelPath) || services.bundledModel;
    panel.webview.options = webviewOptions(services.extensionUri);
    return new ComparePanel(panel, services, modelPath);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly services: PanelServices,
    modelPath: string,
  ) {
    super();
    ComparePanel.current = this;
    this.modelPath = modelPath;
    this.client = new WorkerClient(services.workerScript, services.log);
    this.register({ dispose: () => this.client.dispose() });
    this.register(this.comparison);
    this.register(this.posted);
    this.register(panel.onDidDispose(() => this.dispose()));
    this.register(panel.webview.onDidReceiveMessage((m: unknown) => void this.handleMessage(m)));
    panel.iconPath = {
      light: vscode.Uri.joinPath(services.extensionUri, 'media', 'pndm-light.svg'),
      dark: vscode.Uri.joinPath(services.extensionUri, 'media', 'pndm-dark.svg'),
    };
    panel.webview.html = compareHtml(panel.webview, services.extensionUri);
    void this.setModel(modelPath);
  }

  override dispose(): void {
    if (ComparePanel.current === this) ComparePanel.current = undefined;
    super.dispose(); // cancels the comparison, ends the worker
    this.panel.dispose();
  }

  post(message: ToCompareView): void {
    if (this.isDisposed) return;
    this.posted.fire(message);
    void this.panel.webview.postMessage(message);
  }

  private async setModel(modelPath: string): Promise<void> {
    this.modelPath = modelPath;
    this.model = undefined;
    this.panel.title = `PNDM: Compare · ${path.basename(modelPath)}`;
    try {
      const info = await this.client.load(modelPath, this.services.settings.read().executionProvider);
      if (this.modelPath !== modelPath) return;
      this.model = summarizeModel(info, this.services.bundledModel);
      this.sendInit();
    } catch (error) {
      const message = `Could not open ${modelPath}: ${(error as Error).message}`;
      this.services.log('error', message);
      this.post({ type: MessageType.Error, message });
    }
  }

  /** The handler behind webview.onDidReceiveMessage: validate, then act; never rejects. */
  async handleMessage(raw: unknown): Promise<void> {
    const checked = validateCompareMessage(raw);
    if (!checked.ok) {
      this.services.log('warn', `Refused a compare-view message: ${checked.error}`);
      this.post({ type: MessageType.Error, message: checked.error });
      return;
    }
    const message: FromCompareView = checked.message;
    switch (message.type) {
      case MessageType.CompareReady:
        this.sendInit();
        return;
      case MessageType.RunComparison:
        this.run(message.request);
        return;
      case MessageType.CancelComparison:
        if (this.comparison.value) this.comparison.value.cancel();
        else this.post({ type: MessageType.Notice, message: 'No comparison is running.' });
        return;
      case MessageType.OpenCell:
        this.openCell(message.index);
        return;
      default: {
        const unreachable: never = message;
        this.post({ type: MessageType.Error, message: `Unhandled message ${JSON.stringify(unreachable)}` });
      }
    }
  }

  /** Start a comparison; undefined when one is already running (refused with a notice). */
  run(request: CompareRequest): Comparison | undefined {
    if (this.comparison.value && !this.finished) {
      this.post({ type: MessageType.Notice, message: 'A comparison is already running: cancel it first, or wait for it to finish.' });
      return undefined;
    }
    const provider = this.services.settings.read().executionProvider;
    const cells = request.samplers.length * request.steps.length;
    this.services.log(
      'info',
      `Comparison: ${cells} cells (${request.samplers.join(', ')} × ${request.steps.join(', ')} steps), ${request.samples} samples, seed ${request.seed}, reference ${request.reference}, model ${this.modelPath}.`,
    );
    const comparison = new Comparison(this.client, this.modelPath, provider, request, this.cache, (m) => this.post(m));
    this.finished = false;
    this.comparison.value = comparison;
    void comparison.done.then((outcome) => {
      if (this.comparison.value === comparison) this.finished = true;
      this.services.log('info', `Comparison ${outcome}.`);
    });
    return comparison;
  }

  /** True when the current comparison has ended (its cells stay, to be shown and opened). */
  private finished = true;

  private openCell(index: number): void {
    const cell = this.comparison.value?.cells[index];
    if (!cell) {
      this.post({ type: MessageType.Notice, message: `Cell ${index + 1} has not finished yet.` });
      return;
    }
    const { result, done } = cell;
    const request = this.comparison.value!.request;
    const provider = this.services.settings.read().executionProvider;
    const settings = cellRunSettings(request, result.sampler, result.steps, provider);
    const sampling = SamplingPanel.createOrShow(this.services, this.comparison.value!.modelPath);
    sampling.showRun(
      {
        x: new Float32Array(done.x.slice(0)),
        count: done.count,
        shape: done.shape,
        modelPath: this.comparison.value!.modelPath,
        summary: {
          settings,
          nfe: done.nfe,
          provider: done.provider,
          wallMs: done.wallMs,
          modelMs: done.modelMs,
          line: done.line,
          sampling: done.settings,
        },
      },
      result.frame,
    );
  }

  private sendInit(): void {
    const comparison = this.comparison.value;
    this.post({
      type: MessageType.CompareInit,
      model: this.model,
      samplers: SAMPLER_NAMES.map((name) => ({ name, label: METHODS[name].label })),
      request: comparison?.request,
      cells: comparison ? comparison.cells.flatMap((c, index) => (c ? [{ ...c.result, index }] : [])) : [],
      running: comparison !== undefined && !this.finished,
    });
  }
}
