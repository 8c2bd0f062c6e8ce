import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../support/paths';

const scratch = mkdtempSync(join(tmpdir(), 'pndm-slurm-test-'));
const pndm = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot(), 'bin', 'pndm.js'), ...args],
      { cwd: scratch, env: { ...process.env, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
// small for speed: 8 samples, DDIM 5 steps, 4 shards of 2
const RUN = ['--sampler', 'ddim', '--steps', '5', '--samples', '8', '--seed', '2', '--ep', 'cpu'];
let oneProcess: Buffer | undefined;
async function oneProcessRun(): Promise<Buffer> {
  if (!oneProcess) {
    const r = await pndm(['sample', ...RUN, '--out-npy', 'one.npy']);
    assert.equal(r.code, 0, r.stderr);
    oneProcess = readFileSync(join(scratch, 'one.npy'));
  }
  return oneProcess;
}

test('pndm slurm writes a job array of shards and a merge job that call this pndm by absolute path', async () => {
  const dir = join(scratch, 'scripts');
  const r = await pndm([
    'slurm',
    ...RUN,
    '--shards',
    '4',
    '--out-dir',
    dir,
    '--partition',
    'gpu',
    '--gres',
    'gpu:1',
    '--time',
    '00:10:00',
    '--fd',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /wrote .*sample\.sbatch \(4 array tasks\) and .*merge\.sbatch\nsubmit with:\n {2}jobid=\$\(sbatch --parsable .*sample\.sbatch\) && sbatch --dependency=afterok:/,
  );
  const sample = readFileSync(join(dir, 'sample.sbatch'), 'utf8');
  const merge = readFileSync(join(dir, 'merge.sbatch'), 'utf8');
  for (const line of ['#SBATCH --array=0-3', '#SBATCH --partition=gpu', '#SBATCH --gres=gpu:1', '#SBATCH --time=00:10:00'])
    assert.ok(sample.includes(line), line);
  assert.ok(!merge.includes('--gres'), 'the merge job needs no GPU');
  const launcher = `${process.execPath} ${join(repoRoot(), 'bin', 'pndm.js')}`;
  assert.ok(
    sample.includes(`exec ${launcher} sample --sampler ddim --steps 5 --samples 8 --seed 2 --ep cpu --shard "$SLURM_ARRAY_TASK_ID/4"`),
    sample,
  );
  assert.ok(
    merge.includes(`${launcher} merge ${[0, 1, 2, 3].map((i) => join(dir, 'shards', `shard-${i}.npy`)).join(' ')} --out-npy`),
    merge,
  );
  assert.ok(merge.includes(`${launcher} fd ${join(dir, 'samples.npy')} --json ${join(dir, 'fd.json')}`), merge);
  execFileSync('bash', ['-n', join(dir, 'sample.sbatch')]);
  execFileSync('bash', ['-n', join(dir, 'merge.sbatch')]);

  const model = await pndm([
    'slurm',
    ...RUN,
    '--shards',
    '2',
    '--out-dir',
    'rel',
    '--model',
    join('..', scratch.split('/').pop() as string, 'nope.onnx'),
  ]);
  assert.equal(model.code, 2);
  assert.match(model.stderr, /--model .*nope\.onnx: no such file; the tasks need it at \//);
  const cases: [string[], RegExp][] = [
    [['slurm', '--shards', '2', '--out-dir', 'x'], /needs --samples K/],
    [['slurm', ...RUN, '--shards', '9', '--out-dir', 'x'], /--shards must be a whole number from 1 to --samples \(8\); got 9/],
    [['slurm', ...RUN, '--out-dir', 'x'], /--shards must be .* got nothing/],
    [['slurm', ...RUN, '--shards', '2'], /needs --out-dir D/],
    [['slurm', ...RUN, '--shards', '2', '--out-dir', 'x', '--out-npy', 'y.npy'], /sets --out-npy for each task itself/],
    [['slurm', ...RUN, '--shards', '2', '--out-dir', 'x', '--partition', 'a b;rm'], /--partition "a b;rm" has characters/],
    [['slurm', ...RUN, '--shards', '2', '--out-dir', 'x', '--bogus', '1'], /unknown option --bogus/],
    [['slurm', ...RUN, '--shards', '2', '--out-dir', 'x y'], /contains white space, which #SBATCH lines cannot quote/],
  ];
  for (const [args, message] of cases) {
    const bad = await pndm(args);
    assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
    assert.match(bad.stderr, message);
  }
  assert.ok(!existsSync(join(scratch, 'x')) && !existsSync(join(scratch, 'x y')), 'nothing is written for bad arguments');
});

test('the scripts run unattended: every array task by hand, then the merge, equal a one-process run', async () => {
  const dir = join(scratch, 'byhand');
  const r = await pndm(['slurm', ...RUN, '--shards', '4', '--out-dir', dir]);
  assert.equal(r.code, 0, r.stderr);
  for (let task = 0; task < 4; task++) {
    execFileSync('bash', [join(dir, 'sample.sbatch')], {
      env: { ...process.env, SLURM_ARRAY_TASK_ID: String(task) },
      stdio: 'ignore',
      cwd: tmpdir(),
    });
  }
  execFileSync('bash', [join(dir, 'merge.sbatch')], { stdio: 'ignore', cwd: tmpdir() });
  assert.ok(readFileSync(join(dir, 'samples.npy')).equals(await oneProcessRun()));
  assert.ok(existsSync(join(dir, 'samples.png')));
});

test('pndm slurm --submit on a real single-node Slurm: 4 shards and the merge equal a one-process run', async (t) => {
  if (process.env.PNDM_SKIP_SLURM) {
    t.skip('Slurm test skipped: PNDM_SKIP_SLURM is set');
    return;
  }
  const setup = (await import(pathToFileURL(join(repoRoot(), 'scripts', 'setup-slurm.mjs')).href)) as {
    startSlurm(): Promise<{ skip?: string; env: Record<string, string>; stop(): Promise<void> }>;
  };
  const slurm = await setup.startSlurm();
  if (slurm.skip) {
    t.skip(`Slurm test skipped: ${slurm.skip}`);
    return;
  }
  try {
    const dir = join(scratch, 'cluster');
    const r = await pndm(['slurm', ...RUN, '--shards', '4', '--out-dir', dir, '--submit'], slurm.env);
    assert.equal(r.code, 0, r.stderr);
    const ids = /submitted job array (\d+) \(4 tasks\) and merge job (\d+)/.exec(r.stdout);
    assert.ok(ids, r.stdout);
    const deadline = Date.now() + 10 * 60_000;
    const state = (id: string) =>
      /JobState=(\w+)/.exec(
        execFileSync('scontrol', ['show', 'job', id], { env: { ...process.env, ...slurm.env }, encoding: 'utf8' }),
      )?.[1];
    let last: string | undefined;
    while (Date.now() < deadline) {
      last = state(ids[2]);
      if (last !== 'PENDING' && last !== 'RUNNING' && last !== 'CONFIGURING' && last !== 'COMPLETING') break;
      await new Promise((done) => setTimeout(done, 1000));
    }
    const logs = () =>
      readdirSync(join(dir, 'logs'))
        .map(
          (f) =>
            `${f}: ${readFileSync(join(dir, 'logs', f), 'utf8')
              .trim()
              .split('\n')
              .slice(-2)
              .join(' | ')}`,
        )
        .join('\n');
    assert.equal(last, 'COMPLETED', `merge job ${ids[2]} ended ${last}\n${logs()}`);
    assert.equal(readdirSync(join(dir, 'logs')).filter((f) => f.startsWith(`sample-${ids[1]}_`)).length, 4, logs());
    assert.ok(
      readFileSync(join(dir, 'samples.npy')).equals(await oneProcessRun()),
      'the merged result of the Slurm run differs from one process',
    );
  } finally {
    await slurm.stop();
  }
});
