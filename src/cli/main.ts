/**
 * `pndm`: sample ONNX diffusion ε-models with PNDM from a terminal, on the same sampler core and model
 * adapter as the VS Code extension. Exit codes: 0 done, 1 failed, 2 bad arguments, 130 interrupted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SamplingCancelled } from '../sampler';
import { UsageError } from './args';
import { INFO_USAGE, infoCommand } from './infoCommand';
import { SAMPLE_USAGE, sampleCommand } from './sampleCommand';

const USAGE = `usage: pndm sample [options]     sample a model into a PNG grid and/or .npy
       pndm info MODEL.onnx [--json] what the adapter detects in a model
       pndm --version                the version of pndm-sampler
       pndm COMMAND --help           the options of a command

${SAMPLE_USAGE}
${INFO_USAGE}`;

/** The package's version: dist/cli.js → ../package.json. */
function version(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  try {
    switch (command) {
      case 'sample':
        await sampleCommand(rest, controller.signal);
        return 0;
      case 'info':
        await infoCommand(rest);
        return 0;
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
        throw new UsageError(`unknown command "${command}"; use pndm sample or pndm info (pndm --help lists the options)`);
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
