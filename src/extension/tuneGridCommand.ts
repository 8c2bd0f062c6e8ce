/**
 * "PNDM: Tune Grid for This Model": asks for a sampler and a number of steps, runs the same tuner as
 * `pndm tune` (src/tune/tuneModel.ts) in a sampling worker of its own (onnxruntime blocks the thread it
 * runs on), shows its phase in a cancellable notification, and saves the grid where the panel's and the
 * CLI's `tuned` spacing find it. Resolves with the worker's answer (undefined: cancelled or failed).
 */
import * as vscode from 'vscode';
import { METHODS, SAMPLER_NAMES, type SamplerName } from '../sampler';
import { tuneProgressText, untunableReason, type TuneStart } from '../tune/tuneModel';
import { SamplingPanel, type PanelServices } from './panel';
import { resolveUserPath } from './settings';
import { RunFailed, WorkerClient } from './workerClient';
import type { TunedReply } from './workerProtocol';

/** What the command can also be given directly (tests, keybindings with args): skips the questions. */
export interface TuneGridArgs {
  readonly modelPath?: string;
  readonly sampler?: SamplerName;
  readonly steps?: number;
  /** The tuner's sizes (defaults: `pndm tune`'s); small ones make a test quick. */
  readonly trajectories?: number;
  readonly referenceSteps?: number;
  readonly start?: TuneStart;
  readonly candidates?: number;
  readonly sweeps?: number;
  readonly maxStepRatio?: number;
  readonly heldOut?: number;
}

const TUNABLE = SAMPLER_NAMES.filter((s) => untunableReason(s, 10) === undefined);

export async function tuneGridCommand(services: PanelServices, args: TuneGridArgs = {}): Promise<TunedReply | undefined> {
  const modelPath =
    args.modelPath || SamplingPanel.current?.model.path || resolveUserPath(services.settings.read().modelPath) || services.bundledModel;
  const name = modelPath.split(/[\\/]/).pop() ?? modelPath;
  const sampler = args.sampler ?? (await pickSampler(name));
  if (!sampler) return undefined;
  const steps = args.steps ?? (await askSteps(sampler));
  if (steps === undefined) return undefined;
  const why = untunableReason(sampler, steps);
  if (why) {
    void vscode.window.showErrorMessage(`PNDM: ${why}.`);
    return undefined;
  }
  const client = new WorkerClient(services.workerScript, services.log);
  try {
    return await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `PNDM: tuning a ${METHODS[sampler].label} grid of ${steps} steps for ${name}`,
        cancellable: true,
      },
      async (progress, token) => {
        const job = client.tune(
          {
            modelPath,
            sampler,
            steps,
            trajectories: args.trajectories,
            referenceSteps: args.referenceSteps,
            start: args.start,
            candidates: args.candidates,
            sweeps: args.sweeps,
            maxStepRatio: args.maxStepRatio,
            heldOut: args.heldOut,
          },
          { onProgress: (p) => progress.report({ message: tuneProgressText(p) }) },
        );
        const cancel = token.onCancellationRequested(() => client.cancel(job.id));
        try {
          const reply = await job.done;
          for (const line of reply.lines) services.log('info', line);
          const better = reply.rms < reply.baseline.rms;
          void vscode.window.showInformationMessage(
            better
              ? `PNDM: tuned grid saved: RMS ${reply.rms.toFixed(4)} against ${reply.baseline.rms.toFixed(4)} on ${reply.baseline.spacing}; choose spacing "tuned" to use it.`
              : `PNDM: the tuned grid (RMS ${reply.rms.toFixed(4)}) is not better than ${reply.baseline.spacing} (${reply.baseline.rms.toFixed(4)}); it was saved, but keep ${reply.baseline.spacing}.`,
          );
          return reply;
        } finally {
          cancel.dispose();
        }
      },
    );
  } catch (error) {
    if (error instanceof RunFailed && error.cancelled) {
      services.log('info', `Tuning ${sampler} (${steps} steps) for ${modelPath} was cancelled.`);
      return undefined;
    }
    services.log('error', `Tuning failed: ${(error as Error).message}`);
    void vscode.window.showErrorMessage(`PNDM: tuning failed: ${(error as Error).message}`);
    return undefined;
  } finally {
    client.dispose();
  }
}

/** `model`: the file's name, so that the user sees which model the grid is for. */
async function pickSampler(model: string): Promise<SamplerName | undefined> {
  const picked = await vscode.window.showQuickPick(
    TUNABLE.map((s) => ({ label: METHODS[s].label, description: s, sampler: s })),
    { title: `PNDM: tune a grid for ${model}: which sampler?`, placeHolder: 'a deterministic fixed-step sampler' },
  );
  return picked?.sampler;
}

async function askSteps(sampler: SamplerName): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title: `PNDM: tune a ${METHODS[sampler].label} grid of how many steps?`,
    value: '10',
    validateInput: (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 999) return 'a whole number of steps from 1 to 999';
      return untunableReason(sampler, n);
    },
  });
  return text === undefined ? undefined : Number(text);
}
