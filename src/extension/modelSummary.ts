/**
 * What the panel shows about a model: a plain summary of the adapter's ModelInfo, and the settings
 * file that "Copy settings" puts on the clipboard. No vscode import.
 */
import * as path from 'node:path';
import { sha256File } from '../io/sha256';
import type { ModelInfo } from '../model/onnxModel';
import { recipeOf, recipePngText } from '../runner/recipe';
import type { ModelSummary, RunSummary, SettingsFile } from '../protocol';

const SOURCES: Record<string, string> = {
  options: 'explicit options',
  metadata: 'the ONNX metadata (diffusion.*)',
  scheduler_config: 'scheduler_config.json',
  default: 'defaults (DDPM linear β; nothing found in the model)',
};

export function summarizeModel(info: ModelInfo, bundledPath: string): ModelSummary {
  const { channels, height, width } = info.imageShape;
  const s = info.schedule;
  const schedule = s.trainedBetas ? `trained betas (${s.trainedBetas.length})` : `${s.betaSchedule} β ${s.betaStart}..${s.betaEnd}`;
  return {
    path: info.path,
    name: path.basename(info.path),
    bundled: samePath(info.path, bundledPath),
    imageShape: `${channels}×${height}×${width}`,
    inputs: info.inputs.map((t) => `${t.name} ${t.dtype} [${t.shape.join(', ')}]`).join('; '),
    predictionType: info.predictionType,
    numTrainTimesteps: s.numTrainTimesteps,
    scheduleSource: `${schedule}, from ${SOURCES[info.scheduleSource] ?? info.scheduleSource}`,
    provider: info.provider,
    warnings: [...info.warnings, ...info.providerMessages],
  };
}

export function samePath(a: string, b: string): boolean {
  const norm = (p: string) => (process.platform === 'win32' ? path.resolve(p).toLowerCase() : path.resolve(p));
  return norm(a) === norm(b);
}

/** The recipe "Copy settings" and Save PNG give (see SettingsFile in src/protocol.ts); reads the model to hash it. */
export async function settingsFileOf(summary: RunSummary, modelPath: string): Promise<SettingsFile> {
  return recipeOf({
    settings: summary.sampling,
    samples: summary.settings.samples,
    seed: summary.settings.seed,
    ep: summary.settings.provider,
    modelPath,
    modelSha256: await sha256File(modelPath),
  });
}

/** The PNG text Save embeds: the recipe and the summary line, in the format `pndm sample --out` writes. */
export async function pngTextOf(summary: RunSummary, modelPath: string): Promise<Record<string, string>> {
  return recipePngText(await settingsFileOf(summary, modelPath), summary.line);
}

/** Lines for the log channel about a freshly loaded model. */
export function describeModelForLog(summary: ModelSummary): string[] {
  return [
    `Model ${summary.path}${summary.bundled ? ' (bundled)' : ''}: image ${summary.imageShape}, ${summary.predictionType} prediction, T = ${summary.numTrainTimesteps}.`,
    `  inputs: ${summary.inputs}`,
    `  schedule: ${summary.scheduleSource}`,
    `  provider in use: ${summary.provider}`,
    ...summary.warnings.map((w) => `  warning: ${w}`),
  ];
}
