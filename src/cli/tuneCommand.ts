/**
 * `pndm tune --sampler S --steps N [--model M]`: the grid of N steps that minimises the accumulated local
 * error on this model's own trajectories (src/tune/gits.ts), saved under the model file's SHA-256 where
 * `--spacing tuned` finds it; prints the sampler's error on the usual grids and on the tuned one.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SETTINGS, gridFor, METHODS, solverOrderFor, type Spacing } from '../sampler';
import { evaluateOne, REFERENCE } from '../tune/evaluate';
import { refineGrid, searchGrid } from '../tune/gits';
import { modelSha256, saveTunedGrid } from '../tune/store';
import { UsageError } from './args';
import { intFlag, openForEval, samplerList } from './evalModel';

export const TUNE_USAGE = `pndm tune options:
  --sampler S             the sampler the grid is for (required)
  --steps N               its number of steps (required)
  --model PATH            ONNX ε-model (default: the bundled MNIST model)
  --trajectories M        seeds solved accurately to tune on (default 8)
  --reference-steps R     steps of their accurate solution, ${REFERENCE.sampler} on the trailing grid (default 500)
  --candidates K          candidate timesteps, spread in log-SNR (default 120)
  --sweeps S              refinement sweeps that score the sampler itself (default 2; 0: the search alone)
  --ep PROVIDER           execution provider (default cpu)`;

const BASELINES: readonly Spacing[] = ['leading', 'linspace', 'trailing', 'karras', 'logsnr'];
/** Seeds of their own, away from the sample and eval defaults, so a tuned grid is scored out of sample there. */
const TUNE_SEED = 1_000_003;

export async function tuneCommand(argv: readonly string[], signal: AbortSignal): Promise<void> {
  const { values, positionals } = parseOrUsage(argv);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; options start with --`);
  if (!values.sampler || !values.steps) throw new UsageError(`pndm tune needs --sampler and --steps\n${TUNE_USAGE}`);
  const [sampler] = samplerList(values.sampler, '--sampler');
  if (
    METHODS[sampler].nfe(2) === undefined ||
    METHODS[sampler].stochastic({ eta: 0, tolerance: 1e-3, variance: 'fixed_large', solverType: 'bh2' })
  ) {
    throw new UsageError(
      `--sampler ${sampler} has no fixed grid to tune; use a deterministic fixed-step sampler such as ipndm, unipc or dpmpp-3m`,
    );
  }
  const steps = intFlag(values.steps, '--steps', 10, 1, 100000);
  try {
    solverOrderFor(sampler, steps);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const images = intFlag(values.trajectories, '--trajectories', 8, 1, 1024);
  const { model, run } = await openForEval({ model: values.model, ep: values.ep, images, seed: TUNE_SEED }, signal);
  try {
    const T = run.schedule.config.numTrainTimesteps;
    if (steps >= T) throw new UsageError(`--steps ${steps} must be below the model's ${T} training timesteps`);
    const referenceSteps = intFlag(values['reference-steps'], '--reference-steps', Math.min(500, T), steps + 1, T);
    const candidates = intFlag(values.candidates, '--candidates', 120, steps + 1, T);
    const sweeps = intFlag(values.sweeps, '--sweeps', 2, 0, 8);
    const started = performance.now();
    const found = await searchGrid(run, {
      steps,
      referenceSteps,
      candidates,
      onProgress: ({ phase, done, total }) => {
        if (phase !== 'reference' || done % 50 === 0 || done === total) progress(`${phase} ${done}/${total}`);
      },
    });
    progress(`scoring ${sampler} on ${BASELINES.length + 1} grids`);
    const scores: { spacing: string; rms: number }[] = [];
    for (const spacing of BASELINES) {
      scores.push({ spacing, rms: (await evaluateOne(run, found.reference, sampler, spacing, steps)).rms });
    }
    // the search's grid and the usual grids' own timesteps, refined for this sampler
    const starts = [
      found.timesteps,
      ...BASELINES.map((spacing) => Array.from(gridFor(run.schedule, { ...DEFAULT_SETTINGS, ...run.base, sampler, steps, spacing }))),
    ];
    const refined = await refineGrid(
      run,
      found.reference,
      sampler,
      starts.filter((g) => g.every((t, i) => i === 0 || t < g[i - 1])),
      sweeps,
      ({ done, total }) => progress(`refine ${done}/${total}`),
    );
    const tuned = refined.rms;
    progress('');
    const baseline = scores.reduce((a, b) => (b.rms < a.rms ? b : a));
    const file = saveTunedGrid({
      sampler,
      steps,
      timesteps: refined.timesteps,
      baseline,
      rms: tuned,
      modelSha256: modelSha256(model.info.path),
      created: new Date().toISOString(),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    process.stdout.write(
      [
        `${METHODS[sampler].label}, ${steps} steps, RMS to ${REFERENCE.sampler}-${referenceSteps} over ${images} trajectories:`,
        ...scores.map((s) => `  ${s.spacing.padEnd(9)} ${s.rms.toFixed(4)}`),
        `  tuned     ${tuned.toFixed(4)}  (${tuned < baseline.rms ? `${(baseline.rms / tuned).toFixed(2)}× lower than ${baseline.spacing}` : `not lower than ${baseline.spacing}: keep --spacing ${baseline.spacing}`})`,
        `tuned grid: ${refined.timesteps.join(', ')}, then the clean end`,
        `saved ${file} (${seconds} s); use it with --spacing tuned`,
        '',
      ].join('\n'),
    );
  } finally {
    await model.dispose();
  }
}

function parseOrUsage(argv: readonly string[]) {
  const str = { type: 'string' } as const;
  try {
    return parseArgs({
      args: [...argv],
      options: { sampler: str, steps: str, model: str, trajectories: str, 'reference-steps': str, candidates: str, sweeps: str, ep: str },
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
