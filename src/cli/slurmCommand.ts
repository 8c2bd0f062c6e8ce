/**
 * `pndm slurm [sample flags] --samples K --shards N --out-dir D [--partition P] [--gres G] [--time T]
 * [--cpus-per-task C] [--fd] [--submit]`: a Slurm job array with one `pndm sample --shard i/N` per
 * task, and a merge job that runs after every task succeeded (`--dependency=afterok`). The scripts
 * call this very pndm by absolute path with absolute file paths, so they run unattended on any node
 * that shares the file system.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../io';
import { parseFlags, UsageError } from './args';
import { SAMPLE_FLAGS } from './sampleCommand';

export const SLURM_USAGE =
  'pndm slurm [sample options] --samples K --shards N --out-dir D [--partition P] [--gres gpu:1] [--time 01:00:00] [--cpus-per-task C] [--fd] [--submit]';

/** Options of the job itself (the rest are pndm sample options passed to every task). */
const SLURM_VALUES = ['shards', 'out-dir', 'partition', 'gres', 'time', 'cpus-per-task', 'account'] as const;
const SLURM_SWITCHES = ['submit', 'fd'] as const;
/** Sample options that name files: made absolute, since a task's working folder may differ. */
const PATH_FLAGS = new Set(['model', 'noise', 'settings']);

interface SlurmPlan {
  readonly dir: string;
  readonly shards: number;
  readonly samples: number;
  readonly sbatch: Record<string, string>;
  readonly sampleArgs: string[];
  readonly fd: boolean;
}

export async function slurmCommand(argv: readonly string[]): Promise<void> {
  const plan = planJob(argv);
  const { sampleScript, mergeScript } = await writeScripts(plan);
  process.stdout.write(`wrote ${sampleScript} (${plan.shards} array tasks) and ${mergeScript}\n`);
  if (!plan.sbatch.submit) {
    process.stdout.write(
      `submit with:\n  jobid=$(sbatch --parsable ${quote(sampleScript)}) && sbatch --dependency=afterok:\${jobid%%;*} ${quote(mergeScript)}\n` +
        `or run pndm slurm again with --submit; the result will be ${join(plan.dir, 'samples.npy')}\n`,
    );
    return;
  }
  const arrayId = await submit([sampleScript]);
  const mergeId = await submit([`--dependency=afterok:${arrayId}`, mergeScript]);
  process.stdout.write(
    `submitted job array ${arrayId} (${plan.shards} tasks) and merge job ${mergeId} (runs when all tasks succeed)\n` +
      `watch with: squeue -j ${arrayId},${mergeId}; the result will be ${join(plan.dir, 'samples.npy')}\n`,
  );
}

/** Splits argv into the job's own options and pndm sample options, checking both before writing. */
export function planJob(argv: readonly string[]): SlurmPlan {
  const own: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : '';
    if ((SLURM_SWITCHES as readonly string[]).includes(name)) {
      own[name] = 'true';
    } else if ((SLURM_VALUES as readonly string[]).includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value; usage: ${SLURM_USAGE}`);
      own[name] = value;
    } else {
      rest.push(arg);
    }
  }
  const { flags, positional } = parseFlags(rest, SAMPLE_FLAGS);
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"; usage: ${SLURM_USAGE}`);
  for (const taken of ['shard', 'out', 'out-npy']) {
    if (taken in flags) throw new UsageError(`pndm slurm sets --${taken} for each task itself; give --out-dir D instead`);
  }
  const samples = flags.samples;
  if (typeof samples !== 'number') throw new UsageError(`pndm slurm needs --samples K, the size of the whole run; usage: ${SLURM_USAGE}`);
  const shards = Number(own.shards);
  if (!own.shards || !Number.isInteger(shards) || shards < 1 || shards > samples) {
    throw new UsageError(`--shards must be a whole number from 1 to --samples (${samples}); got ${own.shards ?? 'nothing'}`);
  }
  if (!own['out-dir']) throw new UsageError(`pndm slurm needs --out-dir D for the scripts, logs, shards and result; usage: ${SLURM_USAGE}`);
  if (/\s/.test(resolve(own['out-dir']))) {
    throw new UsageError(
      `--out-dir ${resolve(own['out-dir'])} contains white space, which #SBATCH lines cannot quote; choose a folder without spaces`,
    );
  }
  if (own['cpus-per-task'] !== undefined && !/^[1-9]\d*$/.test(own['cpus-per-task'])) {
    throw new UsageError(`--cpus-per-task must be a whole number ≥ 1; got "${own['cpus-per-task']}"`);
  }
  for (const key of ['partition', 'gres', 'time', 'account']) {
    if (own[key] !== undefined && !/^[\w.:,=+\-/]+$/.test(own[key])) {
      throw new UsageError(
        `--${key} "${own[key]}" has characters Slurm does not use there; give e.g. --${key === 'gres' ? 'gres gpu:1' : key === 'time' ? 'time 01:00:00' : `${key} NAME`}`,
      );
    }
  }
  const sampleArgs: string[] = [];
  for (const [name, value] of Object.entries(flags)) {
    const text = PATH_FLAGS.has(name) ? resolve(String(value)) : String(value);
    if (PATH_FLAGS.has(name) && !existsSync(text)) throw new UsageError(`--${name} ${value}: no such file; the tasks need it at ${text}`);
    sampleArgs.push(`--${name}`, text);
  }
  return { dir: resolve(own['out-dir']), shards, samples, sbatch: own, sampleArgs, fd: own.fd === 'true' };
}

/** A word for bash, quoted only when it needs to be. */
export function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command that starts this pndm: node and bin/pndm.js (or this bundle) by absolute path. */
function pndmCommand(): string {
  const launcher = join(__dirname, '..', 'bin', 'pndm.js');
  return [process.execPath, existsSync(launcher) ? launcher : __filename].map(quote).join(' ');
}

function header(plan: SlurmPlan, name: string, extra: string[]): string[] {
  const lines = ['#!/bin/bash', `#SBATCH --job-name=${name}`, ...extra];
  for (const key of ['partition', 'time', 'account']) if (plan.sbatch[key]) lines.push(`#SBATCH --${key}=${plan.sbatch[key]}`);
  return lines;
}

async function writeScripts(plan: SlurmPlan): Promise<{ sampleScript: string; mergeScript: string }> {
  for (const sub of ['', 'logs', 'shards']) mkdirSync(join(plan.dir, sub), { recursive: true });
  const width = String(plan.shards - 1).length;
  const shardFile = (i: string) => join(plan.dir, 'shards', `shard-${i}.npy`);
  const pndm = pndmCommand();
  const sample = [
    ...header(plan, 'pndm-sample', [
      `#SBATCH --array=0-${plan.shards - 1}`,
      `#SBATCH --output=${join(plan.dir, 'logs', 'sample-%A_%a.log')}`,
    ]),
    ...(plan.sbatch.gres ? [`#SBATCH --gres=${plan.sbatch.gres}`] : []),
    ...(plan.sbatch['cpus-per-task'] ? [`#SBATCH --cpus-per-task=${plan.sbatch['cpus-per-task']}`] : []),
    `# written by pndm slurm: task i samples shard i/${plan.shards} of ${plan.samples} images; pndm merge joins them`,
    'set -euo pipefail',
    `shard=$(printf '%0${width}d' "$SLURM_ARRAY_TASK_ID")`,
    `exec ${pndm} sample ${plan.sampleArgs.map(quote).join(' ')} --shard "$SLURM_ARRAY_TASK_ID/${plan.shards}" --out-npy ${quote(join(plan.dir, 'shards'))}/shard-"$shard".npy`,
    '',
  ];
  const shards = Array.from({ length: plan.shards }, (_, i) => quote(shardFile(String(i).padStart(width, '0'))));
  const merge = [
    ...header(plan, 'pndm-merge', [`#SBATCH --output=${join(plan.dir, 'logs', 'merge-%j.log')}`]),
    '# written by pndm slurm: runs after every task of the sample array succeeded (sbatch --dependency=afterok)',
    'set -euo pipefail',
    `${pndm} merge ${shards.join(' ')} --out-npy ${quote(join(plan.dir, 'samples.npy'))} --out ${quote(join(plan.dir, 'samples.png'))}`,
    ...(plan.fd ? [`${pndm} fd ${quote(join(plan.dir, 'samples.npy'))} --json ${quote(join(plan.dir, 'fd.json'))}`] : []),
    '',
  ];
  const sampleScript = join(plan.dir, 'sample.sbatch');
  const mergeScript = join(plan.dir, 'merge.sbatch');
  await writeFileAtomic(sampleScript, sample.join('\n'));
  await writeFileAtomic(mergeScript, merge.join('\n'));
  return { sampleScript, mergeScript };
}

/** sbatch --parsable ARGS → the job id ("123" or "123;cluster" → "123"). */
function submit(args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile('sbatch', ['--parsable', ...args], (error, stdout, stderr) => {
      if (error) {
        const why =
          (error as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'sbatch was not found (run this on a Slurm login node)'
            : (stderr || error.message).trim().split('\n')[0];
        fail(new Error(`could not submit ${args[args.length - 1]}: ${why}`));
        return;
      }
      const id = /^(\d+)/.exec(stdout.trim())?.[1];
      if (!id) fail(new Error(`sbatch answered "${stdout.trim()}" for ${args[args.length - 1]}, not a job id`));
      else done(id);
    });
  });
}
