/**
 * `pndm tune --sampler S --steps N [--model M]`: the grid of N steps that minimises the accumulated local
 * error on this model's own trajectories (src/tune/gits.ts), saved under the model file's SHA-256 where
 * `--spacing tuned` finds it; prints the sampler's error on the usual grids and on the tuned one.
 */
import { parseArgs } from 'node:util';
import { REFERENCE } from '../tune/evaluate';
import {
  DEFAULT_HELD_OUT,
  DEFAULT_MAX_STEP_RATIO,
  DEFAULT_SWEEPS,
  DEFAULT_TRAJECTORIES,
  isTuneStart,
  TUNE_SEED,
  TUNE_STARTS,
  tuneGrid,
  tuneProgressText,
  tuneReport,
  untunableReason,
} from '../tune/tuneModel';
import { UsageError } from './args';
import { intFlag, openForEval, samplerList } from './evalModel';

export const TUNE_USAGE = `pndm tune options:
  --sampler S             the sampler the grid is for (required)
  --steps N               its number of steps (required)
  --model PATH            ONNX ε-model (default: the bundled MNIST model)
  --trajectories M        images solved accurately to tune on (default ${DEFAULT_TRAJECTORIES})
  --seed S                the seed of their x_T (default ${TUNE_SEED}, away from pndm sample's and eval's)
  --reference-steps R     steps of their accurate solution, ${REFERENCE.sampler} on the trailing grid (default: every timestep)
  --start usual|dp        where the pattern search starts: the best usual grid (default), or also the
                          grid of least summed one-step DDIM error over candidate timesteps (GITS's DP)
  --candidates K          the DP's candidate timesteps, spread in log-SNR (default 120)
  --sweeps S              most pattern-search sweeps per move size, each scoring the sampler itself
                          (default ${DEFAULT_SWEEPS}: until a sweep moves nothing; 0: the start alone)
  --max-step-ratio R      most ratio between neighbouring steps of the tuned grid (default ${DEFAULT_MAX_STEP_RATIO}; none: no bound)
  --held-out H            trajectories after those, scored after tuning (default ${DEFAULT_HELD_OUT}; 0: none)
  --ep PROVIDER           execution provider (default cpu)`;

export async function tuneCommand(argv: readonly string[], signal: AbortSignal): Promise<void> {
  const { values, positionals } = parseOrUsage(argv);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; options start with --`);
  if (!values.sampler || !values.steps) {
    const missing = [values.sampler ? '' : '--sampler', values.steps ? '' : '--steps'].filter(Boolean).join(' and ');
    throw new UsageError(`pndm tune needs --sampler S and --steps N; missing ${missing}\n${TUNE_USAGE}`);
  }
  const [sampler] = samplerList(values.sampler, '--sampler');
  const steps = intFlag(values.steps, '--steps', 10, 1, 100000);
  const why = untunableReason(sampler, steps);
  if (why) throw new UsageError(why.startsWith(sampler) ? `--sampler ${why}` : why);
  const start = values.start ?? 'usual';
  if (!isTuneStart(start)) throw new UsageError(`--start must be ${TUNE_STARTS.join(' or ')}, not "${start}"`);
  const ratioText = values['max-step-ratio'];
  const maxStepRatio = ratioText === undefined ? DEFAULT_MAX_STEP_RATIO : ratioText === 'none' ? Infinity : Number(ratioText);
  if (!(maxStepRatio >= 1)) throw new UsageError(`--max-step-ratio must be a number of at least 1, or none; got "${ratioText}"`);
  const images = intFlag(values.trajectories, '--trajectories', DEFAULT_TRAJECTORIES, 1, 1024);
  const seed = intFlag(values.seed, '--seed', TUNE_SEED, 0, 2 ** 32 - 1);
  const { model, run } = await openForEval({ model: values.model, ep: values.ep, images, seed }, signal);
  try {
    const T = run.schedule.config.numTrainTimesteps;
    if (steps >= T) throw new UsageError(`--steps ${steps} must be below the model's ${T} training timesteps`);
    const referenceSteps = intFlag(values['reference-steps'], '--reference-steps', T, steps + 1, T);
    const candidates = intFlag(values.candidates, '--candidates', 120, steps + 1, T);
    const sweeps = intFlag(values.sweeps, '--sweeps', DEFAULT_SWEEPS, 0, 1000);
    const heldOut = intFlag(values['held-out'], '--held-out', DEFAULT_HELD_OUT, 0, 1024);
    const started = performance.now();
    const result = await tuneGrid({ ...run, seed }, model.info.path, {
      sampler,
      steps,
      referenceSteps,
      start,
      candidates,
      sweeps,
      maxStepRatio,
      heldOut,
      onProgress: (p) => {
        const perCall = p.phase === 'reference' || p.phase === 'held-out';
        if (!perCall || p.done % 50 === 0 || p.done === p.total) progress(tuneProgressText(p));
      },
    });
    progress('');
    process.stdout.write(`${tuneReport(result, REFERENCE.sampler, (performance.now() - started) / 1000).join('\n')}\n`);
  } finally {
    await model.dispose();
  }
}

function parseOrUsage(argv: readonly string[]) {
  const str = { type: 'string' } as const;
  try {
    return parseArgs({
      args: [...argv],
      options: {
        sampler: str,
        steps: str,
        model: str,
        trajectories: str,
        seed: str,
        'reference-steps': str,
        start: str,
        candidates: str,
        sweeps: str,
        'max-step-ratio': str,
        'held-out': str,
        ep: str,
      },
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}\n${TUNE_USAGE}`);
  }
}

function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${text}\x1b[K`);
  else if (text) process.stderr.write(`${text}\n`);
}
