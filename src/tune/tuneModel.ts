/**
 * Tuning a grid for one model, sampler and number of steps: what `pndm tune` and the panel's
 * "Tune Grid for This Model" command (in the sampling worker) both run, so both save the same grid
 * where `--spacing tuned` and the panel find it. No vscode import.
 */
import {
  DEFAULT_SETTINGS,
  gridFor,
  initialNoise,
  makeSchedule,
  METHODS,
  SeededNoise,
  solverOrderFor,
  type SamplerName,
  type Spacing,
} from '../sampler';
import type { OnnxEpsModel } from '../model';
import { offsetNoise } from '../runner/shard';
import { evaluateOne, referenceSolution, type EvalRun } from './evaluate';
import { refineGrid, searchGrid, type TuneProgress } from './gits';
import { modelSha256, saveTunedGrid } from './store';

export const BASELINES: readonly Spacing[] = ['leading', 'linspace', 'trailing', 'karras', 'logsnr'];
/** Seeds of their own, away from the sample and eval defaults, so a tuned grid is scored out of sample there. */
export const TUNE_SEED = 1_000_003;
export const DEFAULT_SWEEPS = 4;
/**
 * Trajectories tuned on. 16 trajectories and a 1000-step reference took 2.7× as long as 8 and 500 for
 * an iPNDM-v grid of 10 steps and scored no better on 32 held-out images (0.061 against 0.059).
 */
export const DEFAULT_TRAJECTORIES = 8;
/**
 * Trajectories held out of the tuning and scored after it. A grid tuned for iPNDM-v at 20 steps scored
 * 3.4× lower than leading on its own 16 trajectories and higher than leading on 32 others (0.032
 * against 0.028), so the report says how the grid does on trajectories it never saw.
 */
export const DEFAULT_HELD_OUT = 8;

export interface TuneOptions {
  readonly sampler: SamplerName;
  readonly steps: number;
  /** Steps of the accurate solution (default min(500, T)). */
  readonly referenceSteps?: number;
  /** Candidate timesteps spread in log-SNR (default 120). */
  readonly candidates?: number;
  /** Most refinement sweeps per move size, each scoring the sampler itself (default 4). */
  readonly sweeps?: number;
  /** Trajectories after the tuned ones, from the same seed, scored after tuning (default 8; 0: none). */
  readonly heldOut?: number;
  readonly onProgress?: (p: TuneProgress) => void;
}

/** The tuned grid and the best usual grid on the held-out trajectories. */
export interface HeldOutScore {
  readonly trajectories: number;
  readonly rms: number;
  readonly baseline: { spacing: Spacing; rms: number };
}

export interface TuneResult {
  readonly sampler: SamplerName;
  readonly steps: number;
  readonly referenceSteps: number;
  readonly trajectories: number;
  /** The sampler's RMS on each usual grid. */
  readonly scores: readonly { spacing: Spacing; rms: number }[];
  readonly baseline: { spacing: Spacing; rms: number };
  readonly timesteps: number[];
  readonly rms: number;
  readonly heldOut?: HeldOutScore;
  /** Where the grid was saved. */
  readonly file: string;
}

/** Why `sampler` at `steps` cannot be tuned (a sentence), or undefined when it can. */
export function untunableReason(sampler: SamplerName, steps: number): string | undefined {
  if (
    METHODS[sampler].nfe(2) === undefined ||
    METHODS[sampler].stochastic({ eta: 0, tolerance: 1e-3, variance: 'fixed_large', solverType: 'bh2' })
  ) {
    return `${sampler} has no fixed grid to tune; use a deterministic fixed-step sampler such as ipndm-v, unipc or dpmpp-3m`;
  }
  try {
    solverOrderFor(sampler, steps);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/** The tuner's run on an open model: `trajectories` seeded x_T from {@link TUNE_SEED}. */
export function tuneRun(model: OnnxEpsModel, trajectories: number, signal?: AbortSignal): EvalRun {
  const { channels, height, width } = model.info.imageShape;
  return {
    model,
    schedule: makeSchedule(model.info.schedule),
    xT: initialNoise(new SeededNoise(TUNE_SEED), trajectories, channels * height * width),
    count: trajectories,
    base: { finalAlphaBar: model.info.setAlphaToOne === false ? 'first' : 'one', stepsOffset: model.info.stepsOffset ?? 0 },
    signal,
  };
}

/** Search, score the usual grids, refine for the sampler, and save the grid under the model file's SHA-256. */
export async function tuneGrid(run: EvalRun, modelPath: string, options: TuneOptions): Promise<TuneResult> {
  const { sampler, steps, onProgress } = options;
  const T = run.schedule.config.numTrainTimesteps;
  const referenceSteps = options.referenceSteps ?? Math.min(500, T);
  const found = await searchGrid(run, { steps, referenceSteps, candidates: options.candidates ?? 120, onProgress });
  const { scores, best: baseline } = await usualGridScores(run, found.reference, sampler, steps);
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
    options.sweeps ?? DEFAULT_SWEEPS,
    onProgress,
  );
  const heldOut = options.heldOut ?? DEFAULT_HELD_OUT;
  const heldOutScore = heldOut > 0 ? await scoreHeldOut(run, heldOut, referenceSteps, sampler, refined.timesteps, onProgress) : undefined;
  const file = saveTunedGrid({
    sampler,
    steps,
    timesteps: refined.timesteps,
    baseline,
    rms: refined.rms,
    modelSha256: modelSha256(modelPath),
    created: new Date().toISOString(),
  });
  return {
    sampler,
    steps,
    referenceSteps,
    trajectories: run.count,
    scores,
    baseline,
    timesteps: refined.timesteps,
    rms: refined.rms,
    heldOut: heldOutScore,
    file,
  };
}

/** The sampler's RMS on each usual grid, and the lowest of them. */
async function usualGridScores(run: EvalRun, reference: Float32Array, sampler: SamplerName, steps: number) {
  const scores: { spacing: Spacing; rms: number }[] = [];
  for (const spacing of BASELINES) scores.push({ spacing, rms: (await evaluateOne(run, reference, sampler, spacing, steps)).rms });
  return { scores, best: scores.reduce((a, b) => (b.rms < a.rms ? b : a)) };
}

/** x_T of the `count` images after the run's own in the same seeded streams (the run must be the tuner's, from TUNE_SEED). */
export function heldOutRun(run: EvalRun, count: number): EvalRun {
  const xT = initialNoise(offsetNoise(new SeededNoise(TUNE_SEED), run.count), count, run.xT.length / run.count);
  return { ...run, xT, count };
}

async function scoreHeldOut(
  run: EvalRun,
  count: number,
  referenceSteps: number,
  sampler: SamplerName,
  timesteps: readonly number[],
  onProgress?: (p: TuneProgress) => void,
): Promise<HeldOutScore> {
  const held = heldOutRun(run, count);
  let calls = 0;
  const reference = await referenceSolution(held, referenceSteps, () =>
    onProgress?.({ phase: 'held-out', done: ++calls, total: referenceSteps }),
  );
  const { best } = await usualGridScores(held, reference, sampler, timesteps.length);
  const tuned = await evaluateOne(held, reference, sampler, 'tuned', timesteps.length, timesteps);
  return { trajectories: count, rms: tuned.rms, baseline: best };
}

/** The lines `pndm tune` prints and the panel command logs: the error on each grid, the grid, where it went. */
export function tuneReport(result: TuneResult, referenceSampler: string, seconds: number): string[] {
  const { baseline, rms } = result;
  const verdict =
    rms < baseline.rms
      ? `${(baseline.rms / rms).toFixed(2)}× lower than ${baseline.spacing}`
      : `not lower than ${baseline.spacing}: keep --spacing ${baseline.spacing}`;
  return [
    `${METHODS[result.sampler].label}, ${result.steps} steps, RMS to ${referenceSampler}-${result.referenceSteps} over ${result.trajectories} trajectories:`,
    ...result.scores.map((s) => `  ${s.spacing.padEnd(9)} ${s.rms.toFixed(4)}`),
    `  tuned     ${rms.toFixed(4)}  (${verdict})`,
    ...(result.heldOut ? [heldOutLine(result.heldOut)] : []),
    `tuned grid: ${result.timesteps.join(', ')}, then the clean end`,
    `saved ${result.file} (${seconds.toFixed(0)} s); use it with --spacing tuned`,
  ];
}

function heldOutLine(h: HeldOutScore): string {
  const head = `held out (${h.trajectories} other trajectories): tuned ${h.rms.toFixed(4)}, ${h.baseline.spacing} ${h.baseline.rms.toFixed(4)}`;
  return h.rms < h.baseline.rms
    ? `${head} (${(h.baseline.rms / h.rms).toFixed(2)}× lower)`
    : `${head}: the tuned grid does not carry over; prefer --spacing ${h.baseline.spacing}, or tune on more --trajectories`;
}
