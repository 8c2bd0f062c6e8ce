/**
 * Whether this machine can run onnxruntime-node's WebGPU provider (Dawn), asked of a child process so
 * a driver that crashes Dawn cannot take the test process with it. scripts/setup-webgpu.mjs (run by
 * `npm test`) installs Mesa's software Vulkan driver where it can; its one-line result, passed in
 * PNDM_WEBGPU_SETUP, is the reason given when WebGPU is unavailable.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { bundledModel, repoRoot } from './paths';

let cached: string | undefined | null = null;

/** undefined when WebGPU works here; otherwise one line saying why the WebGPU tests are skipped. */
export function webgpuUnavailable(): string | undefined {
  if (cached !== null) return cached;
  if (process.platform === 'linux' && process.arch !== 'x64') return (cached = 'onnxruntime-node ships WebGPU for Linux x64 only');
  const probe = `require(${JSON.stringify(join(repoRoot(), 'node_modules', 'onnxruntime-node'))}).InferenceSession.create(${JSON.stringify(
    bundledModel(),
  )}, { executionProviders: ['webgpu'] }).then(() => process.exit(0), (e) => { console.error(String(e.message).split('\\n')[0]); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', probe], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
  });
  if (r.status === 0) return (cached = undefined);
  const why = (r.stderr ?? '').trim().split('\n').at(-1) ?? `exit ${r.status ?? r.signal}`;
  const setup = process.env.PNDM_WEBGPU_SETUP
    ? ` (setup: ${process.env.PNDM_WEBGPU_SETUP})`
    : ' (run `node scripts/setup-webgpu.mjs` as root on Debian)';
  return (cached = `no usable WebGPU adapter: ${why}${setup}`);
}
