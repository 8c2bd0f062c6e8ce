/**
 * Dawn (onnxruntime-node's WebGPU provider) reads XDG_RUNTIME_DIR on Linux and prints errors when it
 * is unset, which it is for services, containers and `sudo`. Before the first WebGPU session (and
 * before the extension starts its worker thread, whose native code sees the process environment, not
 * the worker's copy), point it at a private temporary folder. An existing value is left alone.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Sets XDG_RUNTIME_DIR to a fresh 0700 temporary folder if unset (Linux only); returns its value. */
export function ensureRuntimeDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform !== 'linux' || env.XDG_RUNTIME_DIR) return env.XDG_RUNTIME_DIR;
  // mkdtemp creates the folder with mode 0700, as the XDG base directory spec asks of this one.
  env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'pndm-xdg-runtime-'));
  return env.XDG_RUNTIME_DIR;
}
