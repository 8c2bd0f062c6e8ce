/**
 * Whether this machine can run onnxruntime-node's WebGPU provider (Dawn), asked of a child process so
 * a driver that crashes Dawn cannot take the test process with it. scripts/setup-webgpu.mjs (run by
 * `npm test`) installs Mesa's software Vulkan driver where it can; its one-line result, passed in
 * PNDM_WEBGPU_SETUP, is the reason given when WebGPU is unavailable. (The probe releases its session
 * before exiting: exiting with a live WebGPU session sometimes aborts in Dawn's teardown, "double free".)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths';

let cached: string | undefined | null = null;

/** undefined when WebGPU works here; otherwise one line saying why the WebGPU tests are skipped. */
export function webgpuUnavailable(root: string = repoRoot()): string | undefined {
  if (cached !== null) return cached;
  if (process.platform === 'linux' && process.arch !== 'x64') return (cached = 'onnxruntime-node ships WebGPU for Linux x64 only');
  const probe = `require(${JSON.stringify(join(root, 'node_modules', 'onnxruntime-node'))}).InferenceSession.create(${JSON.stringify(
    join(root, 'models', 'mnist_ddpm.onnx'),
  )}, { executionProviders: ['webgpu'] }).then(async (s) => { await s.release(); process.exit(0); }, (e) => { console.error('probe: ' + String(e.message).split('\\n')[0]); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', probe], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
  });
  if (r.status === 0) return (cached = undefined);
  const why =
    (r.stderr ?? '')
      .split('\n')
      .find((l) => l.startsWith('probe: '))
      ?.slice(7) ??
    `the probe ended with ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}: ${(r.stderr ?? '')
      .split('\n')
      .filter((l) => l.trim() && !/^(\s|Warning|\u001b)/.test(l))
      .slice(-2)
      .join(' / ')}`;
  const setup = process.env.PNDM_WEBGPU_SETUP
    ? ` (setup: ${process.env.PNDM_WEBGPU_SETUP})`
    : ' (run `node scripts/setup-webgpu.mjs` as root on Debian)';
  return (cached = `no usable WebGPU adapter: ${why}${setup}`);
}
