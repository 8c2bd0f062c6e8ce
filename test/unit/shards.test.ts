import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { planMerge } from '../../src/runner/merge';
import { offsetNoise, parseShard, shardRange } from '../../src/runner/shard';
import { SHARD_FORMAT, type RunIdentity, type ShardManifest } from '../../src/runner/shardManifest';
import { DEFAULT_SETTINGS, SeededNoise } from '../../src/sampler';
import { repoRoot } from '../support/paths';

const scratch = mkdtempSync(join(tmpdir(), 'pndm-shards-'));
const pndm = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [join(repoRoot(), 'bin', 'pndm.js'), ...args], { cwd: scratch }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

test('shard ranges are contiguous, cover every index once and differ in size by at most one', () => {
  for (const [total, count] of [
    [8, 3],
    [8, 8],
    [81, 4],
    [50000, 7],
    [5, 1],
  ]) {
    const ranges = [...Array(count).keys()].map((index) => shardRange(total, { index, count }));
    assert.equal(ranges[0].start, 0);
    assert.equal(ranges[count - 1].end, total);
    for (let i = 1; i < count; i++) assert.equal(ranges[i].start, ranges[i - 1].end);
    const sizes = ranges.map((r) => r.end - r.start);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${total}/${count}: ${sizes.join(',')}`);
  }
  assert.deepEqual(shardRange(8, { index: 2, count: 3 }), { start: 6, end: 8 });
  assert.throws(() => shardRange(3, { index: 0, count: 4 }), /4 shards cannot split 3 samples/);
});

test('--shard text: I/N with 0 ≤ I < N, anything else says what to type', () => {
  assert.deepEqual(parseShard('2/5'), { index: 2, count: 5 });
  for (const bad of ['5/5', '1', '-1/3', '1/0', 'a/b', '1/3/4', '']) assert.throws(() => parseShard(bad), /--shard must be I\/N/);
});

test("a shard's image k draws from stream first+k of the whole run", () => {
  const whole = new SeededNoise(9);
  const part = offsetNoise(new SeededNoise(9), 5);
  const a = new Float32Array(16);
  const b = new Float32Array(16);
  whole.fill(7, a);
  part.fill(2, b);
  assert.deepEqual(b, a);
  whole.fill(7, a); // later draws continue the same stream too
  part.fill(2, b);
  assert.deepEqual(b, a);
});

const run: RunIdentity = {
  tool: 'pndm-sampler 0.1.0',
  modelSha256: 'ab'.repeat(32),
  settings: { ...DEFAULT_SETTINGS, sampler: 'ddim', steps: 5, options: { ...DEFAULT_SETTINGS.options, eta: 1 } },
  seed: 3,
  noiseSha256: null,
  provider: 'cpu',
  imageShape: [1, 32, 32],
  total: 8,
  shards: 3,
};
const manifest = (index: number, over: Partial<RunIdentity> = {}): ShardManifest => ({
  format: SHARD_FORMAT,
  run: { ...run, ...over },
  shard: { index, count: 3 },
  range: shardRange(8, { index, count: 3 }),
  modelPath: 'm.onnx',
  npy: { file: `s${index}.npy`, sha256: '00' },
});

test('planMerge orders shards given in any order and names a missing, duplicated or mismatched one', () => {
  const ordered = planMerge([2, 0, 1].map((i) => ({ name: `s${i}.npy`, manifest: manifest(i) })));
  assert.deepEqual(
    ordered.map((s) => s.name),
    ['s0.npy', 's1.npy', 's2.npy'],
  );
  assert.throws(
    () => planMerge([0, 2].map((i) => ({ name: `s${i}.npy`, manifest: manifest(i) }))),
    /^Error: shard 1\/3 \(images 3\.\.5\) is missing; sample it with pndm sample --shard 1\/3/,
  );
  assert.throws(
    () => planMerge([0, 1, 1, 2].map((i, n) => ({ name: `s${i}-${n}.npy`, manifest: manifest(i) }))),
    /shard 1\/3 is given twice: s1-1\.npy and s1-2\.npy/,
  );
  assert.throws(
    () =>
      planMerge(
        [0, 1, 2].map((i) => ({ name: `s${i}.npy`, manifest: manifest(i, i === 2 ? { settings: { ...run.settings, steps: 6 } } : {}) })),
      ),
    /s2\.npy is not from the same run as s0\.npy: settings\.steps \(5 vs 6\) differ/,
  );
  assert.throws(
    () => planMerge([0, 1, 2].map((i) => ({ name: `s${i}.npy`, manifest: manifest(i, i === 1 ? { modelSha256: 'cd'.repeat(32) } : {}) }))),
    /s1\.npy is not from the same run as s0\.npy: modelSha256/,
  );
  const shifted = { ...manifest(1), range: { start: 2, end: 5 } };
  assert.throws(() => planMerge([{ name: 'odd.npy', manifest: shifted }]), /odd\.npy claims images 2\.\.4 as shard 1\/3/);
});

test('3 shards of a stochastic run (DDIM η = 1), merged in any order, equal the one-process run byte for byte', async () => {
  const common = ['--sampler', 'ddim', '--eta', '1', '--steps', '3', '--samples', '8', '--seed', '11', '--ep', 'cpu'];
  const one = await pndm(['sample', ...common, '--out-npy', 'one.npy']);
  assert.equal(one.code, 0, one.stderr);
  for (const i of [2, 0, 1]) {
    const r = await pndm(['sample', ...common, '--shard', `${i}/3`, '--out-npy', `s${i}.npy`, '--batch', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`\\(shard ${i}/3: images ${[0, 3, 6][i]}\\.\\.${[2, 5, 7][i]} of 8\\)`));
    const m = JSON.parse(readFileSync(join(scratch, `s${i}.json`), 'utf8')) as ShardManifest;
    assert.equal(m.format, SHARD_FORMAT);
    assert.deepEqual(m.range, shardRange(8, { index: i, count: 3 }));
    assert.equal(m.run.modelSha256.length, 64);
    assert.match(m.run.tool, /^pndm-sampler \d+\.\d+\.\d+/);
  }
  const merged = await pndm(['merge', 's1.npy', 's2.npy', 's0.npy', '--out-npy', 'all.npy', '--out', 'all.png']);
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(merged.stdout, /^merged 3 shards, 8 samples\n/);
  const a = readFileSync(join(scratch, 'one.npy'));
  const b = readFileSync(join(scratch, 'all.npy'));
  assert.ok(a.equals(b), 'merged array differs from the one-process run');
  assert.ok(existsSync(join(scratch, 'all.png')));

  // bad shard sets: exit 1, one line naming the shard, nothing written
  const cases: [string[], RegExp][] = [
    [['s0.npy', 's2.npy'], /shard 1\/3 \(images 3\.\.5\) is missing/],
    [['s0.npy', 's1.npy', 's1.npy', 's2.npy'], /shard 1\/3 is given twice/],
    [['s0.npy', 'one.npy', 's2.npy'], /one\.npy has no manifest .*one\.json/],
  ];
  writeFileSync(join(scratch, 'tampered.npy'), readFileSync(join(scratch, 's1.npy')).fill(0, 200, 204));
  writeFileSync(join(scratch, 'tampered.json'), readFileSync(join(scratch, 's1.json')));
  cases.push([['s0.npy', 'tampered.npy', 's2.npy'], /tampered\.npy is not the array its manifest describes/]);
  const otherSeed = await pndm(['sample', ...common, '--seed', '12', '--shard', '1/3', '--out-npy', 'seed12.npy']);
  assert.equal(otherSeed.code, 0, otherSeed.stderr);
  cases.push([['s0.npy', 'seed12.npy', 's2.npy'], /seed12\.npy is not from the same run as s0\.npy: seed \(11 vs 12\) differ/]);
  for (const [files, message] of cases) {
    const r = await pndm(['merge', ...files, '--out-npy', 'bad.npy', '--out', 'bad.png']);
    assert.equal(r.code, 1, `${files.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(join(scratch, 'bad.npy')) && !existsSync(join(scratch, 'bad.png')), 'nothing is written for a bad shard set');
  }
});

test('pndm sample --shard and pndm merge refuse bad arguments with exit 2 and one line', async () => {
  const cases: [string[], RegExp][] = [
    [['sample', '--samples', '4', '--shard', '4/4', '--out-npy', 'x.npy', '--steps', '1', '--ep', 'cpu'], /--shard must be I\/N/],
    [
      ['sample', '--samples', '4', '--shard', '0/5', '--out-npy', 'x.npy', '--steps', '1', '--ep', 'cpu'],
      /5 shards cannot split 4 samples/,
    ],
    [['sample', '--samples', '4', '--shard', '0/2', '--steps', '1', '--ep', 'cpu'], /--shard 0\/2 needs --out-npy/],
    [['merge', 's0.npy'], /pndm merge needs --out-npy/],
    [['merge', '--out-npy', 'x.npy'], /give the shard \.npy files/],
    [['merge', '--bogus', 's0.npy', '--out-npy', 'x.npy'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const r = await pndm(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
