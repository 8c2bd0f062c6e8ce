/**
 * What "Sample from This Model" opens for the resource it was invoked on: an ONNX file as it is (any
 * case of `.onnx`), or for a diffusers folder (one holding model_index.json or unet/model.onnx) its
 * UNet, `unet/model.onnx` (whose scheduler config the adapter finds in the sibling scheduler/ folder).
 * No vscode import.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type ModelTarget = { readonly ok: true; readonly modelPath: string } | { readonly ok: false; readonly error: string };

/** The files that mark a diffusers pipeline folder (explorer menu glob and activation events). */
export const DIFFUSERS_MARKERS = ['model_index.json', 'unet/model.onnx'] as const;

export function isOnnxFile(file: string): boolean {
  return path.extname(file).toLowerCase() === '.onnx';
}

/** The diffusers folder a marker file found in the workspace belongs to. */
export function diffusersFolderOf(marker: string): string {
  const dir = path.dirname(marker);
  return path.basename(dir) === 'unet' && path.basename(marker) === 'model.onnx' ? path.dirname(dir) : dir;
}

export function modelTargetOf(resource: string): ModelTarget {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resource);
  } catch {
    return { ok: false, error: `${resource} does not exist: pick an existing .onnx file or diffusers folder.` };
  }
  if (!stat.isDirectory()) return { ok: true, modelPath: resource };
  for (const candidate of [path.join(resource, 'unet', 'model.onnx'), path.join(resource, 'model.onnx')]) {
    if (fs.existsSync(candidate)) return { ok: true, modelPath: candidate };
  }
  return {
    ok: false,
    error: `${resource} has no unet/model.onnx (an ONNX export of a diffusers pipeline): export the UNet to ONNX, or pick an .onnx file.`,
  };
}
