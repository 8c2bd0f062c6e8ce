/**
 * `pndm`: sample ONNX diffusion ε-models with PNDM from a terminal, on the same sampler core and model
 * adapter as the VS Code extension. Exit codes: 0 done, 1 failed, 2 bad arguments, 130 interrupted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SamplingCancelled } from '../sampler';
import { UsageError } from './args';
import { FD_USAGE, fdCommand } from './fdCommand';
import { EVAL_USAGE, evalCommand } from './evalCommand';
import { INFO_USAGE, infoCommand } from './infoCommand';
import { MERGE_USAGE, mergeCommand } from './mergeCommand';
import { SAMPLE_USAGE, sampleCommand } from './sampleCommand';
import { SLURM_USAGE, slurmCommand } from './slurmCommand';
import { TUNE_USAGE, tuneCommand } from './tuneCommand';

/** Each command and its whole help, which starts "usage: pndm <command>". */
const COMMANDS: Readonly<Record<string, { run: (argv: readonly string[], signal: AbortSignal) => Promise<void>; usage: string }>> = {
  sample: { run: sampleCommand, usage: SAMPLE_USAGE },
  info: { run: infoCommand, usage: INFO_USAGE },
  eval: { run: evalCommand, usage: `usage: pndm eval [options]     error per model call of samplers × grids\n\n${EVAL_USAGE}\n` },
  tune: { run: tuneCommand, usage: `usage: pndm tune --sampler S --steps N [options]     a grid tuned to the model\n\n${TUNE_USAGE}\n` },
  merge: { run: mergeCommand, usage: `usage: ${MERGE_USAGE}\n` },
  fd: { run: fdCommand, usage: `usage: ${FD_USAGE}\n` },
  slurm: { run: slurmCommand, usage: `usage: ${SLURM_USAGE}\n(sample options: pndm sample --help)\n` },
};

const USAGE = `usage: pndm sample [options]     sample a model into a PNG grid and/or .npy
       pndm info MODEL.onnx [--json] what the adapter detects in a model
       pndm eval [options]           error per model call of samplers × grids
       pndm tune --sampler S --steps N [options]   a grid tuned to the model
       pndm merge SHARD.npy...       join the shards of a pndm sample --shard run
       pndm fd SAMPLES...            Fréchet distance of samples to reference statistics
       pndm slurm [options]          a Slurm job array of shards and a merge job after it
       pndm --version                the version of pndm-sampler
       pndm COMMAND --help           the options of a command

${Object.values(COMMANDS)
  .map((c) => c.usage)
  .join('\n')}`;

/** The package's version: dist/cli.js → ../package.json. */
function version(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  try {
    const chosen = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (chosen && (rest.includes('--help') || rest.includes('-h'))) {
      process.stdout.write(chosen.usage);
      return 0;
    }
    if (chosen) {
      await chosen.run(rest, controller.signal);
      return 0;
    }
    switch (command) {
      case '--version':
      case '-v':
      case 'version':
        process.stdout.write(`${version()}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(
          `unknown command "${command}"; use pndm sample, info, eval, tune, merge, fd or slurm (pndm --help lists the options)`,
        );
    }
  } catch (error) {
    if (error instanceof SamplingCancelled) {
      process.stderr.write('pndm: interrupted; nothing was written\n');
      return 130;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`pndm: ${message.split('\n')[0]}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
