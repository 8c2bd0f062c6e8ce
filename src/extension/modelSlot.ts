/**
 * The panel's current model: which file, and what the adapter found in it. Switching asks the worker to
 * open the model (which also warms the session cache for the first run) and reports the summary, or
 * the adapter's error, to the panel, the PNDM log and — for errors — a notification.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MessageType, type ModelSummary, type ProviderName, type ToWebview } from '../protocol';
import type { Log } from './log';
import { describeModelForLog, summarizeModel } from './modelSummary';
import type { ModelLimits } from './preflight';
import type { WorkerClient } from './workerClient';

export class ModelSlot {
  path = '';
  summary: ModelSummary | undefined;
  /** What a run on the loaded model must fit (src/extension/preflight.ts); undefined until it has loaded. */
  limits: ModelLimits | undefined;
  /** Why the current model could not be opened (the adapter's message); undefined when it loaded or is loading. */
  error: string | undefined;
  /** Settles when the latest switch is done: the summary, or undefined when it failed or was superseded. */
  ready: Promise<ModelSummary | undefined> = Promise.resolve(undefined);

  constructor(
    private readonly client: WorkerClient,
    private readonly log: Log,
    private readonly bundledModel: string,
    private readonly post: (message: ToWebview) => void,
    /** Tell the user an error the panel cannot show (it is hidden): once, not twice. */
    private readonly notifyError: (message: string) => void = (message) => void vscode.window.showErrorMessage(`PNDM: ${message}`),
  ) {}

  get name(): string {
    return path.basename(this.path);
  }

  /** `samples`: the panel's samples per run, the batch at which `auto` times its candidates. */
  switchTo(modelPath: string, provider: ProviderName, samples?: number): Promise<ModelSummary | undefined> {
    this.path = modelPath;
    this.summary = undefined;
    this.limits = undefined;
    this.error = undefined;
    this.post({ type: MessageType.Notice, message: `Loading ${modelPath}…` });
    const current = () => this.path === modelPath;
    this.ready = this.client.load(modelPath, provider, samples).then(
      (info) => {
        if (!current()) return undefined;
        const summary = summarizeModel(info, this.bundledModel);
        this.summary = summary;
        this.limits = { imageShape: info.imageShape, numTrainTimesteps: info.schedule.numTrainTimesteps };
        for (const line of describeModelForLog(summary)) this.log('info', line);
        this.post({ type: MessageType.Model, model: summary });
        return summary;
      },
      (error: Error) => {
        if (!current()) return undefined;
        this.error = error.message;
        this.log('error', `Could not open ${modelPath}: ${error.message}`);
        this.post({ type: MessageType.Error, message: error.message });
        this.notifyError(error.message);
        return undefined;
      },
    );
    return this.ready;
  }
}
