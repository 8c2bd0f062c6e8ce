/** Throw-away folders and model files for the model tests. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOnnxModel, type OnnxEpsModel, type OpenModelOptions } from '../../src/model/onnxModel';

/** A fresh temporary folder, removed by `cleanup`. */
export function tempDir(prefix = 'pndm-model-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Write model bytes to `<dir>/<sub>/<name>` (a subfolder, so that the model's `../scheduler/` lookup
 * stays inside `dir`); returns the path.
 */
export function writeModel(dir: string, bytes: Uint8Array, name = 'model.onnx', sub = 'unet'): string {
  const folder = join(dir, sub);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
}

/** Write `bytes` to a fresh temporary folder and open it with the ONNX adapter (CPU unless told). */
export async function openBuiltModel(
  bytes: Uint8Array,
  options: OpenModelOptions = {},
): Promise<{ model: OnnxEpsModel; path: string; close: () => Promise<void> }> {
  const { dir, cleanup } = tempDir();
  const path = writeModel(dir, bytes);
  try {
    const model = await openOnnxModel(path, { provider: 'cpu', ...options });
    return { model, path, close: async () => (await model.dispose(), cleanup()) };
  } catch (error) {
    cleanup();
    throw error;
  }
}
