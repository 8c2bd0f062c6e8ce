/**
 * WebGPU for real (onnxruntime-node's Dawn on Mesa's lavapipe here, a real GPU elsewhere): the reference
 * noise through `pndm sample --ep webgpu` equals the CPU's samples; a WebGPU that cannot start (no
 * adapter) or fails while running falls back to the CPU and says so. Kept small (4 images, 10 steps):
 * on a software adapter one call at batch 4 takes about a second.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '../../src/io';
import { openOnnxModel } from '../../src/model/onnxModel';
import { defaultSessionFactory, type SessionLike } from '../../src/model/providers';
import { maxAbsDiff } from '../support/gaussianModel';
import { bundledModel, referenceFile, repoRoot } from '../support/paths';
import { webgpuUnavailable } from '../support/webgpu';

const scratch = mkdtempSync(join(tmpdir(), 'pndm-webgpu-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const skip = webgpuUnavailable();
if (skip) console.log(`# WebGPU tests skipped: ${skip}`);
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

/** `pndm …` with XDG_RUNTIME_DIR removed (the CLI must set it for Dawn itself). */
const pndm = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const base = { ...process.env, ...env };
    delete base.XDG_RUNTIME_DIR;
    execFile(process.execPath, [join(repoRoot(), 'bin', 'pndm.js'), ...args], { cwd: scratch, env: base }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

async function sampleTo(ep: string, sampler: string): Promise<{ x: Float32Array; stdout: string; stderr: string }> {
  const out = join(scratch, `${sampler}-${ep}.npy`);
  const r = await pndm([
    'sample',
    '--noise',
    referenceFile('noise.npy'),
    '--out-npy',
    out,
    '--sampler',
    sampler,
    '--steps',
    '10',
    '--ep',
    ep,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return { x: (await readNpy(out)).data as Float32Array, stdout: r.stdout, stderr: r.stderr };
}

test('reference noise through --ep webgpu: DDIM and F-PNDM equal the CPU to 1e-4', { skip, timeout: 600_000 }, async () => {
  for (const [sampler, reference, calls] of [
    ['ddim', 'DDIM_10.npy', 10],
    ['pndm', 'FPNDM_10.npy', 19],
  ] as const) {
    const gpu = await sampleTo('webgpu', sampler);
    const cpu = await sampleTo('cpu', sampler);
    const diff = maxAbsDiff(gpu.x, cpu.x);
    console.log(`# ${sampler}: max |webgpu − cpu| = ${diff.toExponential(2)}`);
    assert.ok(diff <= 1e-4, `${sampler}: max |webgpu − cpu| = ${diff}`);
    assert.ok(maxAbsDiff(gpu.x, (await readNpy(referenceFile(reference))).data as Float32Array) <= 1e-4);
    assert.match(gpu.stdout, new RegExp(`, 4 samples: ${calls} model calls on webgpu, `), 'it ran on WebGPU, not on a silent fallback');
    assert.doesNotMatch(gpu.stderr, /XDG_RUNTIME_DIR|could not be used/);
  }
});

test(
  'WebGPU without an adapter (no Vulkan driver): the run falls back to the CPU and says why and what to do',
  { skip: !linuxX64 && 'Linux x64 only' },
  async () => {
    const r = await pndm(
      [
        'sample',
        '--noise',
        referenceFile('noise.npy'),
        '--out-npy',
        join(scratch, 'noadapter.npy'),
        '--sampler',
        'ddim',
        '--steps',
        '2',
        '--ep',
        'webgpu',
      ],
      { VK_ICD_FILENAMES: join(scratch, 'no-such-driver.json'), VK_DRIVER_FILES: join(scratch, 'no-such-driver.json') },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /pndm: the WebGPU execution provider could not be used \(.*Failed to get a WebGPU adapter.*\); running on CPU instead\. WebGPU needs a Vulkan driver Dawn accepts/,
    );
    assert.equal(r.stderr.match(/could not be used/g)?.length, 1, 'said once');
    assert.match(r.stdout, /2 model calls on cpu/);
  },
);

test(
  'a WebGPU session that fails while running is replaced by a CPU one, and the result is still right',
  { skip, timeout: 300_000 },
  async () => {
    let webgpu: SessionLike | undefined;
    const model = await openOnnxModel(bundledModel(), {
      provider: 'webgpu',
      sessionFactory: async (path, options) => {
        const session = await defaultSessionFactory(path, options);
        if (options.executionProviders?.[0] === 'webgpu') webgpu = session;
        return session;
      },
    });
    const cpu = await openOnnxModel(bundledModel(), { provider: 'cpu' });
    try {
      assert.equal(model.info.provider, 'webgpu');
      const x = Float32Array.from({ length: 2 * 1024 }, (_, i) => Math.sin(i * 0.37));
      const before = await model.eps(x, 500);
      assert.ok(maxAbsDiff(before, await cpu.eps(x, 500)) <= 1e-4);
      // a real failure of the real WebGPU session: onnxruntime refuses to run a released session
      await webgpu!.release();
      const after = await model.eps(x, 500);
      assert.equal(model.info.provider, 'cpu');
      assert.ok(maxAbsDiff(after, await cpu.eps(x, 500)) <= 1e-5);
      assert.match(
        model.info.providerMessages.at(-1)!,
        /^the WebGPU execution provider could not be used \(.+\); running on CPU instead\./,
      );
    } finally {
      await Promise.all([model.dispose().catch(() => undefined), cpu.dispose()]);
    }
  },
);
