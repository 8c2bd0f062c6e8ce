/**
 * ε scaling (--eps-scale): every ε the model returns is multiplied by the factor before the method sees
 * it, for every method, at no extra call; 1 is the model as it is. From the command line it reaches the
 * PNG's recipe (replayed bit for bit) and pndm eval's cells, but never eval's reference.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readNpy } from '../../src/io';
import { readPngSettings } from '../../src/runner/pngText';
import { METHODS, SAMPLER_NAMES, type EpsModel } from '../../src/sampler';
import { gaussianModel, noiseFor, run } from '../support/sampling';
import { repoRoot } from '../support/paths';

const scratch = mkdtempSync(join(tmpdir(), 'pndm-eps-scale-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('every method with --eps-scale k equals the method on a model whose ε is k times larger, with the same calls', async () => {
  const xT = noiseFor(2, 16, 3);
  const k = 1.02;
  for (const sampler of SAMPLER_NAMES.filter(
    (s) => s !== 'pf' && !METHODS[s].stochastic({ eta: 0, tolerance: 1e-3, variance: 'fixed_small', solverType: 'bh2' }),
  )) {
    const plain = gaussianModel();
    const byHand: EpsModel = { eps: async (x, t) => Float32Array.from(await plain.eps(x, t), (v) => v * k) };
    const expected = await run(byHand, xT, 2, { sampler, steps: 6 });
    const scaled = await run(gaussianModel(), xT, 2, { sampler, steps: 6, epsScale: k });
    assert.deepEqual(scaled.x, expected.x, sampler);
    assert.equal(scaled.nfe, expected.nfe, `${sampler}: no extra calls`);
    const unscaled = await run(gaussianModel(), xT, 2, { sampler, steps: 6 });
    assert.notDeepEqual(scaled.x, unscaled.x, `${sampler}: the factor changes the samples`);
    assert.deepEqual(
      (await run(gaussianModel(), xT, 2, { sampler, steps: 6, epsScale: 1 })).x,
      unscaled.x,
      `${sampler}: 1 changes nothing`,
    );
  }
});

function pndm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot(), 'bin', 'pndm.js'), ...args],
      { cwd: scratch, env: { ...process.env, PNDM_CACHE_DIR: join(scratch, 'cache') } },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('pndm sample --eps-scale: the PNG records it and replays bit for bit; out of range is refused in one line', async () => {
  const common = ['sample', '--sampler', 'dpmpp-3m', '--steps', '5', '--samples', '2', '--ep', 'cpu'];
  const scaled = await pndm([...common, '--eps-scale', '1.02', '--out', 's.png', '--out-npy', 's.npy']);
  assert.equal(scaled.code, 0, scaled.stderr);
  assert.equal(readPngSettings(readFileSync(join(scratch, 's.png'))).epsScale, 1.02);
  const plain = await pndm([...common, '--out', 'p.png', '--out-npy', 'p.npy']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(readPngSettings(readFileSync(join(scratch, 'p.png'))).epsScale, undefined, 'no key when unscaled');
  const x = (await readNpy(join(scratch, 's.npy'))).data as Float32Array;
  assert.notDeepEqual(x, (await readNpy(join(scratch, 'p.npy'))).data);
  const replay = await pndm(['sample', '--settings', 's.png', '--out-npy', 'r.npy', '--ep', 'cpu']);
  assert.equal(replay.code, 0, replay.stderr);
  assert.deepEqual((await readNpy(join(scratch, 'r.npy'))).data, x);
  for (const bad of ['3', '0', 'big']) {
    const r = await pndm([...common, '--eps-scale', bad, '--out', 'never.png']);
    assert.equal(r.code, 2, bad);
    assert.match(r.stderr.split('\n')[0], /^pndm: --eps-scale must be (a number )?in 0\.5\.\.1\.5; got /, bad);
  }
});

test('pndm eval --eps-scale scores the scaled cells against the unscaled reference and says so', async () => {
  const common = ['eval', '--samplers', 'ddim', '--spacings', 'leading', '--calls', '5', '--images', '2', '--reference-steps', '40'];
  const rmsOf = async (extra: string[], json: string) => {
    const r = await pndm([...common, ...extra, '--json', json, '--out', `${json}.svg`]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(readFileSync(join(scratch, json), 'utf8'));
    return { rms: out.rows[0].rms as number, epsScale: out.epsScale as number | undefined, stdout: r.stdout };
  };
  const plain = await rmsOf([], 'plain.json');
  const scaled = await rmsOf(['--eps-scale', '1.02'], 'scaled.json');
  assert.equal(plain.epsScale, undefined);
  assert.equal(scaled.epsScale, 1.02);
  assert.match(scaled.stdout, /; every ε × 1\.02; \* best per column/);
  assert.doesNotMatch(plain.stdout, /every ε/);
  // the same reference, so the cells differ only by the factor
  assert.ok(Math.abs(scaled.rms - plain.rms) > 1e-4, `${scaled.rms} vs ${plain.rms}`);
  const bad = await pndm([...common, '--eps-scale', '2']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^pndm: --eps-scale must be in 0\.5\.\.1\.5; got 2\n$/);
});
