import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { encodeNpy } from '../../src/io';
import {
  encodeNpz,
  frechetDistance,
  gaussianStats,
  parseNpz,
  readImageFolder,
  readStatsNpz,
  StatsAccumulator,
  symmetricEigen,
  sqrtPsd,
  type GaussianStats,
} from '../../src/quality';
import { SeededNoise } from '../../src/sampler';
import { repoRoot } from '../support/paths';

const scratch = mkdtempSync(join(tmpdir(), 'pndm-fd-'));
const fixture = (name: string) => join(repoRoot(), 'test', 'fixtures', 'fd', name);
const pndm = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [join(repoRoot(), 'bin', 'pndm.js'), ...args], { cwd: scratch }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

/** A random rotation Q (Gram–Schmidt of seeded normals) and Q·diag(d)·Qᵀ. */
function rotation(n: number, seed: number): Float64Array {
  const z = new Float32Array(n * n);
  new SeededNoise(seed).fill(0, z);
  const q = Float64Array.from(z);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += q[i * n + j] * q[i * n + k];
      for (let i = 0; i < n; i++) q[i * n + j] -= dot * q[i * n + k];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i * n + j] ** 2;
    for (let i = 0; i < n; i++) q[i * n + j] /= Math.sqrt(norm);
  }
  return q;
}
function rotated(q: Float64Array, diag: number[]): Float64Array {
  const n = diag.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j] += q[i * n + k] * diag[k] * q[j * n + k];
  return out;
}

test('Jacobi eigen-decomposition of a 128×128 covariance: A = VΛVᵀ, V orthogonal, to 1e-10', () => {
  const n = 128;
  const diag = Array.from({ length: n }, (_, i) => 1 / (1 + i) ** 2); // spread like real feature spectra
  const a = rotated(rotation(n, 5), diag);
  const { values, vectors } = symmetricEigen(a, n);
  const sorted = [...values].sort((x, y) => y - x);
  assert.ok(
    sorted.every((v, i) => Math.abs(v - diag[i]) < 1e-13),
    'eigenvalues',
  );
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let back = 0;
      let gram = 0;
      for (let k = 0; k < n; k++) {
        back += vectors[i * n + k] * values[k] * vectors[j * n + k];
        gram += vectors[k * n + i] * vectors[k * n + j];
      }
      worst = Math.max(worst, Math.abs(back - a[i * n + j]), Math.abs(gram - (i === j ? 1 : 0)));
    }
  }
  assert.ok(worst < 1e-10, `worst deviation ${worst}`);
  const root = sqrtPsd(a, n);
  const square = rotated(rotation(n, 5), diag.map(Math.sqrt));
  assert.ok(
    root.every((v, i) => Math.abs(v - square[i]) < 1e-10),
    'sqrtPsd(Q D Qᵀ) = Q √D Qᵀ',
  );
});

test('FD of Gaussians with a closed form: commuting covariances and a non-commuting 2×2 pair', () => {
  // Σ₁, Σ₂ sharing eigenvectors Q: FD = |Δμ|² + Σ (√a_i − √b_i)²
  const n = 64;
  const q = rotation(n, 7);
  const da = Array.from({ length: n }, (_, i) => 0.5 + i / 8);
  const db = Array.from({ length: n }, (_, i) => 2 + Math.sin(i));
  const mu1 = Float64Array.from({ length: n }, (_, i) => i / n);
  const mu2 = Float64Array.from({ length: n }, (_, i) => (i % 3) / 2);
  let expected = 0;
  for (let i = 0; i < n; i++) expected += (mu1[i] - mu2[i]) ** 2 + (Math.sqrt(da[i]) - Math.sqrt(db[i])) ** 2;
  const a = { mu: mu1, sigma: rotated(q, da) };
  const b = { mu: mu2, sigma: rotated(q, db) };
  assert.ok(Math.abs(frechetDistance(a, b) - expected) < 1e-9 * expected, `${frechetDistance(a, b)} vs ${expected}`);
  assert.ok(Math.abs(frechetDistance(b, a) - expected) < 1e-9 * expected, 'symmetric');
  assert.ok(Math.abs(frechetDistance(a, a)) < 1e-9, 'zero against itself');

  // 2×2: tr √M = √(tr M + 2√det M) with M = Σ₂^{1/2} Σ₁ Σ₂^{1/2}, tr M = tr Σ₁Σ₂, det M = det Σ₁ det Σ₂
  const s1 = [2, 0.7, 0.7, 1];
  const s2 = [1.5, -0.4, -0.4, 0.5];
  const trProduct = s1[0] * s2[0] + s1[1] * s2[2] + s1[2] * s2[1] + s1[3] * s2[3];
  const det = (s: number[]) => s[0] * s[3] - s[1] * s[2];
  const closed = 1 + 4 + 2 + 1 + 1.5 + 0.5 - 2 * Math.sqrt(trProduct + 2 * Math.sqrt(det(s1) * det(s2)));
  const got = frechetDistance(
    { mu: Float64Array.of(1, 2), sigma: Float64Array.from(s1) },
    { mu: Float64Array.of(0, 0), sigma: Float64Array.from(s2) },
  );
  assert.ok(Math.abs(got - closed) < 1e-12, `${got} vs ${closed}`);
  assert.throws(
    () => frechetDistance(a, { mu: Float64Array.of(0, 0), sigma: Float64Array.from(s2) }),
    /different dimensions \(64 and 2 features\)/,
  );
});

test('feature statistics: mean and ddof-1 covariance, the same whether fed at once or in pieces', () => {
  const rows = [
    [1, 2],
    [3, 5],
    [0, -1],
    [4, 2],
  ];
  const stats = gaussianStats(rows.flat(), 2);
  assert.deepEqual([...stats.mu], [2, 2]);
  // Σ(x−x̄)(y−ȳ)/(n−1): xx = (1+1+4+4)/3, xy = (0+3+6+0)/3, yy = (0+9+9+0)/3
  assert.deepEqual(
    [...stats.sigma].map((v) => +v.toFixed(12)),
    [10 / 3, 3, 3, 6].map((v) => +v.toFixed(12)),
  );
  assert.equal(stats.n, 4);
  const acc = new StatsAccumulator(2);
  acc.add(rows.slice(0, 1).flat());
  acc.add(rows.slice(1).flat());
  assert.deepEqual(acc.stats(), stats);
  // large offsets do not cancel (Welford)
  const shifted = gaussianStats(
    rows.flat().map((v) => v + 1e9),
    2,
  );
  assert.ok(shifted.sigma.every((v, i) => Math.abs(v - stats.sigma[i]) < 1e-6));
  assert.throws(() => gaussianStats([1, 2], 2), /at least 2 samples/);
});

test('pytorch-fid .npz statistics from numpy (savez and savez_compressed) give scipy’s FD', async () => {
  const a = await readStatsNpz(fixture('stats_a.npz'));
  const b = await readStatsNpz(fixture('stats_b_compressed.npz'));
  assert.equal(a.mu.length, 6);
  assert.equal(b.sigma.length, 36);
  // make_fixtures.py: scipy.linalg.sqrtm on Σ₁Σ₂, pytorch-fid's formula
  assert.ok(Math.abs(frechetDistance(a, b) - 16.853551062535864) < 1e-9, String(frechetDistance(a, b)));
  // our writer round-trips through our reader
  const bytes = encodeNpz({ mu: { data: a.mu, shape: [6] }, sigma: { data: a.sigma, shape: [6, 6] } });
  const back = parseNpz(bytes);
  assert.deepEqual(back.get('mu')?.data, a.mu);
  assert.deepEqual(back.get('sigma')?.data, a.sigma);
  assert.throws(() => parseNpz(new Uint8Array(100), 'junk.npz'), /junk\.npz is not a readable \.npz file: no zip directory/);
});

test('a folder of PNGs: grey levels to [−1, 1], 28×28 MNIST digits padded to 32×32 with background', async () => {
  const folder = join(scratch, 'pngs');
  mkdirSync(folder);
  const png = (width: number, height: number, value: number) => {
    const image = new PNG({ width, height });
    image.data.fill(value);
    for (let i = 3; i < image.data.length; i += 4) image.data[i] = 255;
    return PNG.sync.write(image);
  };
  writeFileSync(join(folder, 'a.png'), png(28, 28, 255));
  writeFileSync(join(folder, 'b.png'), png(32, 32, 0));
  writeFileSync(join(folder, 'notes.txt'), 'not an image');
  const { data, count } = await readImageFolder(folder, { channels: 1, height: 32, width: 32 });
  assert.equal(count, 2);
  assert.equal(data[0], -1, 'padding is background');
  assert.equal(data[2 * 32 + 2], 1, 'the digit starts at (2, 2)');
  assert.equal(data[29 * 32 + 29], 1);
  assert.equal(data[30 * 32 + 30], -1);
  assert.ok(data.subarray(1024).every((v) => v === -1));
  writeFileSync(join(folder, 'c.png'), png(20, 20, 0));
  await assert.rejects(readImageFolder(folder, { channels: 1, height: 32, width: 32 }), /c\.png is 20×20; the feature network takes 32×32/);
});

test('pndm fd: bundled-model samples score far below noise against the train statistics; shards score as their merge', async () => {
  const common = ['--sampler', 'ddim', '--steps', '10', '--samples', '300', '--seed', '0', '--ep', 'cpu'];
  for (const i of [0, 1]) {
    const r = await pndm(['sample', ...common, '--shard', `${i}/2`, '--out-npy', `part${i}.npy`]);
    assert.equal(r.code, 0, r.stderr);
  }
  const merged = await pndm(['merge', 'part0.npy', 'part1.npy', '--out-npy', 'all.npy']);
  assert.equal(merged.code, 0, merged.stderr);
  const scored = await pndm(['fd', 'all.npy', '--json', 'fd.json']);
  assert.equal(scored.code, 0, scored.stderr);
  assert.match(
    scored.stdout,
    /^FD \d+\.\d{4} \(n = 300, 128 features "features" of .*mnist_classifier\.onnx, against the bundled train statistics\)\n/,
  );
  const record = JSON.parse(readFileSync(join(scratch, 'fd.json'), 'utf8')) as { fd: number; n: number; dim: number };
  assert.equal(record.n, 300);
  assert.equal(record.dim, 128);

  const noise = new Float32Array(300 * 1024);
  new SeededNoise(1).fill(0, noise);
  writeFileSync(join(scratch, 'noise.npy'), encodeNpy(noise, [300, 1, 32, 32]));
  const noiseScored = await pndm(['fd', 'noise.npy', '--json', 'noise.json']);
  assert.equal(noiseScored.code, 0, noiseScored.stderr);
  const noiseFd = (JSON.parse(readFileSync(join(scratch, 'noise.json'), 'utf8')) as { fd: number }).fd;
  process.stdout.write(`# FD of 300 DDIM-10 samples: ${record.fd.toFixed(3)}; of 300 noise images: ${noiseFd.toFixed(3)}\n`);
  assert.ok(record.fd > 0.5 && record.fd < 10, `samples: FD ${record.fd}`);
  assert.ok(noiseFd > 10 * record.fd, `noise: FD ${noiseFd}`);

  // scoring shards without merging them gives the merge's statistics (same rows, same order)
  const parts = await pndm(['fd', 'part0.npy', 'part1.npy', '--json', 'parts.json', '--stats-out', 'parts.npz']);
  assert.equal(parts.code, 0, parts.stderr);
  const partsFd = (JSON.parse(readFileSync(join(scratch, 'parts.json'), 'utf8')) as { fd: number }).fd;
  assert.ok(Math.abs(partsFd - record.fd) < 1e-9, `${partsFd} vs ${record.fd}`);
  const own = await readStatsNpz(join(scratch, 'parts.npz'));
  assert.equal(own.n, 300);
  const self = await pndm(['fd', 'all.npy', '--stats', 'parts.npz']);
  assert.match(self.stdout, /^FD 0\.0000 /, 'the samples against their own statistics');
});

test('pndm fd refuses bad input with one line saying what to do', async () => {
  writeFileSync(join(scratch, 'wrong.npy'), encodeNpy(new Float32Array(2 * 28 * 28), [2, 1, 28, 28]));
  const small: GaussianStats = { mu: new Float64Array(3), sigma: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1) };
  writeFileSync(join(scratch, 'small.npz'), encodeNpz({ mu: { data: small.mu, shape: [3] }, sigma: { data: small.sigma, shape: [3, 3] } }));
  writeFileSync(join(scratch, 'nosigma.npz'), encodeNpz({ mu: { data: small.mu, shape: [3] } }));
  const x = new Float32Array(4 * 1024);
  writeFileSync(join(scratch, 'four.npy'), encodeNpy(x, [4, 1, 32, 32]));
  const cases: [string[], number, RegExp][] = [
    [['fd'], 2, /give the samples to score/],
    [['fd', 'four.npy', '--features', join(repoRoot(), 'models', 'mnist_classifier.onnx')], 2, /--features needs --stats/],
    [['fd', 'missing.npy'], 1, /Could not read missing\.npy/],
    [['fd', 'wrong.npy'], 1, /wrong\.npy holds <f4 \[2, 1, 28, 28\]; the feature network needs float \[K, 1, 32, 32\]/],
    [['fd', 'four.npy', '--stats', 'small.npz'], 1, /different dimensions \(128 and 3 features\)/],
    [['fd', 'four.npy', '--stats', 'nosigma.npz'], 1, /nosigma\.npz lacks sigma/],
    [['fd', 'four.npy', '--stats', 'four.npy'], 1, /give an \.npz with mu and sigma/],
    [['fd', 'four.npy', '--output', 'nope'], 1, /has no output "nope"; its outputs are .*features/],
  ];
  for (const [args, code, message] of cases) {
    const r = await pndm(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
