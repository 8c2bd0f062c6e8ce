/**
 * `pndm eval --fd`: each cell's Fréchet distance is `pndm fd` of the samples `pndm sample` makes with the
 * same sampler, grid, steps and seed (the bundled model and classifier); a model with no classifier
 * beside it gets one clear line.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { bundledModel, repoRoot } from '../support/paths';

const scratch = mkdtempSync(join(tmpdir(), 'pndm-evalfd-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const pndm = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [join(repoRoot(), 'bin', 'pndm.js'), ...args], { cwd: scratch }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

test('pndm eval --fd: the FD column equals pndm fd of the same samples from pndm sample', async () => {
  const cell = ['--steps', '2', '--seed', '3', '--ep', 'cpu'];
  const sampled = await pndm(['sample', '--sampler', 'ddim', '--spacing', 'leading', '--samples', '16', ...cell, '--out-npy', 's.npy']);
  assert.equal(sampled.code, 0, sampled.stderr);
  const scored = await pndm(['fd', 's.npy', '--json', 'fd.json']);
  assert.equal(scored.code, 0, scored.stderr);
  const expected = (JSON.parse(readFileSync(join(scratch, 'fd.json'), 'utf8')) as { fd: number }).fd;

  const evaluated = await pndm([
    'eval',
    ...['--samplers', 'ddim', '--spacings', 'leading', '--calls', '2', '--images', '1', '--reference-steps', '2'],
    ...['--seed', '3', '--fd-samples', '16', '--json', 'eval.json', '--out', 'eval.svg'],
  ]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const record = JSON.parse(readFileSync(join(scratch, 'eval.json'), 'utf8')) as {
    fdSamples: number;
    rows: { sampler: string; spacing: string; calls: number; rms: number; fd: number }[];
  };
  assert.equal(record.fdSamples, 16);
  assert.equal(record.rows.length, 1);
  const [row] = record.rows;
  assert.equal(row.calls, 2);
  assert.ok(expected > 1, `2-step DDIM samples should be far from the digits: FD ${expected}`);
  assert.ok(Math.abs(row.fd - expected) <= 1e-9 * expected, `eval FD ${row.fd} vs pndm fd ${expected}`);
  // the table shows it as an FD column after the RMS column, best marked
  assert.match(evaluated.stdout, /FD of 16 samples per cell/);
  assert.match(evaluated.stdout, /sampler\s+grid\s+2 calls\s+FD 2\n/);
  assert.match(evaluated.stdout, new RegExp(`ddim\\s+leading\\s+${row.rms.toFixed(4)}\\*\\s+${row.fd.toFixed(3)}\\*\\n`));
});

test('pndm eval --fd-seeds: the FD of each seed is pndm fd of the samples of that seed; the cell shows their mean ± sd', async () => {
  const fdOfSeed = async (seed: number) => {
    const cell = ['--steps', '2', '--seed', String(seed), '--ep', 'cpu'];
    const sampled = await pndm([
      'sample',
      '--sampler',
      'ddim',
      '--spacing',
      'leading',
      '--samples',
      '16',
      ...cell,
      '--out-npy',
      `s${seed}.npy`,
    ]);
    assert.equal(sampled.code, 0, sampled.stderr);
    const scored = await pndm(['fd', `s${seed}.npy`, '--json', `fd${seed}.json`]);
    assert.equal(scored.code, 0, scored.stderr);
    return (JSON.parse(readFileSync(join(scratch, `fd${seed}.json`), 'utf8')) as { fd: number }).fd;
  };
  const expected = [await fdOfSeed(5), await fdOfSeed(6)];
  const evaluated = await pndm([
    'eval',
    ...['--samplers', 'ddim', '--spacings', 'leading', '--calls', '2', '--images', '1', '--reference-steps', '2'],
    ...['--seed', '5', '--fd-samples', '16', '--fd-seeds', '2', '--json', 'seeds.json', '--out', 'seeds.svg'],
  ]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const record = JSON.parse(readFileSync(join(scratch, 'seeds.json'), 'utf8')) as {
    fdSeeds: number;
    rows: { fd: number; fdPerSeed: number[]; fdSd: number }[];
  };
  assert.equal(record.fdSeeds, 2);
  const [row] = record.rows;
  assert.notEqual(expected[0], expected[1], 'two seeds, two sample sets');
  row.fdPerSeed.forEach((fd, i) => assert.ok(Math.abs(fd - expected[i]) <= 1e-9 * expected[i], `seed ${5 + i}: ${fd} vs ${expected[i]}`));
  const mean = (expected[0] + expected[1]) / 2;
  assert.ok(Math.abs(row.fd - mean) <= 1e-9 * mean);
  assert.ok(Math.abs(row.fdSd - Math.abs(expected[0] - expected[1]) / Math.SQRT2) <= 1e-9 * mean);
  assert.match(evaluated.stdout, /FD of 16 samples per cell, mean ± sd over 2 seeds, in the classifier's features/);
  assert.match(evaluated.stdout, new RegExp(`ddim\\s+leading\\s+\\S+\\s+${row.fd.toFixed(3)}±${row.fdSd.toFixed(2)}\\*\\n`));
  const past = await pndm(['eval', '--seed', '4294967295', '--fd-seeds', '2']);
  assert.equal(past.code, 2);
  assert.match(past.stderr, /^pndm: --seed 4294967295 with --fd-seeds 2 runs past the last seed 4294967295\n$/);
});

test('pndm eval --fd on a model with no classifier beside it says how to score it instead', async () => {
  const alone = mkdtempSync(join(scratch, 'alone-'));
  copyFileSync(bundledModel(), join(alone, 'mnist_ddpm.onnx'));
  copyFileSync(join(repoRoot(), 'models', 'scheduler_config.json'), join(alone, 'scheduler_config.json'));
  const r = await pndm(['eval', '--model', join(alone, 'mnist_ddpm.onnx'), '--fd', '--samplers', 'ddim', '--calls', '2']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /--fd scores samples with the MNIST classifier .* has none beside it: .*pndm fd --features NET\.onnx --stats STATS\.npz/,
  );
  const few = await pndm(['eval', '--fd-samples', '1']);
  assert.equal(few.code, 2, few.stderr);
  assert.match(few.stderr, /--fd-samples: "1" is not a whole number from 2 to 1000000/);
});
