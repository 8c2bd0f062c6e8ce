/**
 * `pndm eval`: quality per model call. For samplers × grids × numbers of calls, the RMS distance of the
 * final samples to an accurate solution of the same ODE from the same x_T at t = T−1, as a table and a
 * log–log SVG plot of error against calls; with --fd, also each cell's Fréchet distance in the classifier's features.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { METHODS, type SamplerName, type Spacing } from '../sampler';
import { cellSettings, evaluateOne, REFERENCE, referenceSolution, stepsForCalls, type EvalRow } from '../tune/evaluate';
import { logLogSvg } from '../tune/plot';
import { loadTunedGrid } from '../tune/store';
import { checkGridWithin, checkValue, gridList, UsageError } from './args';
import { SAMPLE_FLAGS } from './sampleCommand';
import { fdOfCell, openFdScorer, type FdScorer } from './evalFd';
import { intFlag, intList, openForEval, samplerList, spacingList } from './evalModel';

export const EVAL_USAGE = `pndm eval options:
  --model PATH            ONNX ε-model (default: the bundled MNIST model)
  --samplers LIST         default ddim,s-pndm,dpmpp-2m,dpmpp-3m,unipc,ipndm,ipndm-v
  --spacings LIST         default leading,linspace,trailing,karras,logsnr (tuned: the grids \`pndm tune\` saved)
  --grid T1,T2,…          the timesteps of spacing tuned at that many steps, instead of a saved grid
                          (default --spacings: tuned)
  --calls LIST            model calls per image, default 5,10,20
  --images K              images from --seed (default 4)    --seed S (default 0)
  --noise FILE.npy        x_T instead of the seed, float32 [K,C,H,W]
  --reference-steps N     steps of the accurate solution, iPNDM on the trailing grid (default 1000)
  --out FILE.svg          the log–log plot (default eval.svg)    --json FILE  the rows as JSON
  --fd                    also the Fréchet distance of each cell's samples from --seed, in the features of the
                          MNIST classifier beside the model (the bundled one), against its train statistics
  --fd-samples N          samples per cell for --fd (default 2000; implies --fd)
  --fd-seeds S            FD from seeds --seed … --seed+S−1, shown as mean ± sd (default 1; implies --fd):
                          at 2,000 samples one seed's FD swings by about ±0.2 on the bundled model
  --eps-scale K           multiply every ε of the scored cells by K (ε scaling, as pndm sample --eps-scale;
                          the reference stays the model's own ODE)
  --ep PROVIDER           execution provider (default cpu)`;

/** One cell of the table: a sampler on a grid at a number of calls (and the steps that fit them). */
interface Cell {
  readonly sampler: SamplerName;
  readonly spacing: Spacing;
  readonly c: number;
  readonly steps: number;
  readonly tuned: readonly number[] | undefined;
}

export async function evalCommand(argv: readonly string[], signal: AbortSignal): Promise<void> {
  const { values, positionals } = parseArgsOrUsage(argv);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; options start with --`);
  const samplers = samplerList(values.samplers ?? 'ddim,s-pndm,dpmpp-2m,dpmpp-3m,unipc,ipndm,ipndm-v');
  const givenGrid = values.grid === undefined ? undefined : gridList(values.grid);
  const spacings = spacingList(values.spacings ?? (givenGrid ? 'tuned' : 'leading,linspace,trailing,karras,logsnr'));
  if (givenGrid && !spacings.includes('tuned'))
    throw new UsageError('--grid gives the timesteps of spacing tuned; add tuned to --spacings');
  // a grid is scored at its own length unless --calls says otherwise
  const calls = intList(values.calls ?? (givenGrid ? String(givenGrid.length) : '5,10,20'), '--calls', 1, 100000);
  const images = intFlag(values.images, '--images', 4, 1, 4096);
  const seed = intFlag(values.seed, '--seed', 0, 0, 2 ** 32 - 1);
  const wantFd = values.fd === true || values['fd-samples'] !== undefined || values['fd-seeds'] !== undefined;
  const fdSamples = intFlag(values['fd-samples'], '--fd-samples', 2000, 2, 1_000_000);
  const fdSeeds = intFlag(values['fd-seeds'], '--fd-seeds', 1, 1, 64);
  if (seed + fdSeeds - 1 > 2 ** 32 - 1)
    throw new UsageError(`--seed ${seed} with --fd-seeds ${fdSeeds} runs past the last seed 4294967295`);
  const epsScale =
    values['eps-scale'] === undefined ? undefined : (checkValue('eps-scale', values['eps-scale'], SAMPLE_FLAGS['eps-scale']) as number);
  const { model, run: opened } = await openForEval({ model: values.model, ep: values.ep, images, seed, noise: values.noise }, signal);
  const run = { ...opened, epsScale };
  let scorer: FdScorer | undefined;
  try {
    if (wantFd) scorer = await openFdScorer(model, fdSamples);
    const T = run.schedule.config.numTrainTimesteps;
    const referenceSteps = intFlag(values['reference-steps'], '--reference-steps', T, 2, T);
    if (givenGrid) checkGridWithin(givenGrid, T);
    // every cell is planned before the reference is solved, so a run with nothing to score stops at once
    const skipped: string[] = [];
    const jobs = samplers.flatMap((sampler) =>
      spacings.flatMap((spacing) =>
        calls.flatMap((c): Cell[] => {
          const steps = stepsForCalls(sampler, c, T);
          if (steps === undefined) {
            skipped.push(`${sampler} cannot run on ${c} calls`);
            return [];
          }
          if (spacing !== 'tuned') return [{ sampler, spacing, c, steps, tuned: undefined }];
          const tuned = givenGrid
            ? givenGrid.length === steps
              ? givenGrid
              : undefined
            : loadTunedGrid(model.info.path, sampler, steps)?.timesteps;
          if (!tuned) {
            skipped.push(
              givenGrid
                ? `--grid has ${givenGrid.length} timesteps, and ${sampler} at ${c} calls takes ${steps} steps`
                : `no tuned grid for ${sampler} at ${steps} steps (pndm tune --sampler ${sampler} --steps ${steps})`,
            );
            return [];
          }
          return [{ sampler, spacing, c, steps, tuned }];
        }),
      ),
    );
    if (!jobs.length) throw new UsageError(`nothing to evaluate: ${[...new Set(skipped)].join('; ')}`);
    const started = performance.now();
    let done = 0;
    const reference = await referenceSolution(run, referenceSteps, () => {
      if (++done % 100 === 0) progress(`reference ${done}/${referenceSteps} calls`);
    });
    progress(`reference: ${REFERENCE.sampler} ${referenceSteps} steps, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    const rows: BudgetRow[] = [];
    for (const [k, { sampler, spacing, c, steps, tuned }] of jobs.entries()) {
      progress(`${k + 1}/${jobs.length} ${sampler} ${spacing} ${steps} steps`);
      const row: BudgetRow = { ...(await evaluateOne(run, reference, sampler, spacing, steps, tuned)), budget: c };
      if (scorer) {
        const cell = `${k + 1}/${jobs.length} ${sampler} ${spacing} ${steps} steps: FD`;
        const settings = cellSettings(run, sampler, spacing, steps, tuned);
        const perSeed: number[] = [];
        for (let s = 0; s < fdSeeds; s++) {
          const of = fdSeeds > 1 ? ` (seed ${seed + s})` : '';
          perSeed.push(
            await fdOfCell(model, scorer, settings, seed + s, signal, (done) => progress(`${cell}${of} ${done}/${fdSamples} samples`)),
          );
        }
        rows.push({ ...row, ...fdSummary(perSeed) });
      } else rows.push(row);
    }
    progress('');
    process.stdout.write(
      formatTable(rows, calls, run.count, referenceSteps, { fdSamples: scorer ? fdSamples : undefined, fdSeeds, epsScale }),
    );
    for (const s of new Set(skipped)) process.stdout.write(`skipped: ${s}\n`);
    const out = values.out ?? 'eval.svg';
    const series = [...new Set(rows.map((r) => `${r.sampler} ${r.spacing}`))].map((label) => ({
      label: `${METHODS[rows.find((r) => `${r.sampler} ${r.spacing}` === label)!.sampler].label} ${label.split(' ')[1]}`,
      points: rows.filter((r) => `${r.sampler} ${r.spacing}` === label).map((r) => ({ x: r.calls, y: r.rms })),
    }));
    if (series.length) {
      writeFileSync(
        out,
        logLogSvg(series, {
          x: 'model calls per image',
          y: `RMS to ${REFERENCE.sampler}-${referenceSteps} from the same x_T`,
          title: `error per call, ${run.count} images of ${model.info.path.split(/[\\/]/).pop()}`,
        }),
      );
      process.stdout.write(`wrote ${out}\n`);
    }
    if (values.json) {
      const fd = scorer ? { fdSamples, fdSeeds, fdAgainst: 'the train statistics beside the model' } : {};
      writeFileSync(
        values.json,
        JSON.stringify(
          { model: model.info.path, images: run.count, seed, referenceSteps, ...fd, ...(epsScale === undefined ? {} : { epsScale }), rows },
          null,
          1,
        ),
      );
      process.stdout.write(`wrote ${values.json}\n`);
    }
  } finally {
    await scorer?.dispose();
    await model.dispose();
  }
}

function parseArgsOrUsage(argv: readonly string[]) {
  const str = { type: 'string' } as const;
  try {
    return parseArgs({
      args: [...argv],
      options: {
        model: str,
        samplers: str,
        spacings: str,
        calls: str,
        images: str,
        seed: str,
        noise: str,
        'reference-steps': str,
        out: str,
        json: str,
        ep: str,
        fd: { type: 'boolean' },
        'fd-samples': str,
        'fd-seeds': str,
        grid: str,
        'eps-scale': str,
      },
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}\n${EVAL_USAGE}`);
  }
}

/** A result and the number of calls it was allowed. */
export interface BudgetRow extends EvalRow {
  readonly budget: number;
  /** Fréchet distance of the cell's --fd-samples samples (with --fd): the mean over --fd-seeds seeds. */
  readonly fd?: number;
  /** With several seeds: each seed's FD, and their sample standard deviation. */
  readonly fdPerSeed?: readonly number[];
  readonly fdSd?: number;
}

/** The FD fields of a row from each seed's FD. */
export function fdSummary(perSeed: readonly number[]): Pick<BudgetRow, 'fd' | 'fdPerSeed' | 'fdSd'> {
  const fd = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
  if (perSeed.length === 1) return { fd };
  const fdSd = Math.sqrt(perSeed.reduce((a, v) => a + (v - fd) ** 2, 0) / (perSeed.length - 1));
  return { fd, fdPerSeed: [...perSeed], fdSd };
}

/**
 * One row per sampler × grid, one column per number of calls; the best of each column marked. With
 * `fdSamples`, a Fréchet-distance column per number of calls follows the RMS columns.
 */
export function formatTable(
  rows: readonly BudgetRow[],
  calls: readonly number[],
  images: number,
  referenceSteps: number,
  notes: { readonly fdSamples?: number; readonly fdSeeds?: number; readonly epsScale?: number } = {},
): string {
  const { fdSamples, fdSeeds = 1, epsScale } = notes;
  const metrics: { key: 'rms' | 'fd'; head: string; digits: number }[] = [{ key: 'rms', head: 'calls', digits: 4 }];
  if (fdSamples !== undefined) metrics.push({ key: 'fd', head: 'FD', digits: 3 });
  const best = new Map<string, number>();
  for (const { key } of metrics) {
    for (const c of calls) {
      const inColumn = rows.filter((r) => r.budget === c && r[key] !== undefined).map((r) => r[key]!);
      if (inColumn.length) best.set(`${key}${c}`, Math.min(...inColumn));
    }
  }
  const keys = [...new Set(rows.map((r) => `${r.sampler}\t${r.spacing}`))];
  const fdNote =
    fdSamples === undefined
      ? ''
      : `; FD of ${fdSamples} samples per cell${fdSeeds > 1 ? `, mean ± sd over ${fdSeeds} seeds,` : ''} in the classifier's features`;
  const scaleNote = epsScale === undefined ? '' : `; every ε × ${epsScale}`;
  const lines = [
    `RMS to the accurate solution (${REFERENCE.sampler}, ${referenceSteps} steps) over ${images} images${fdNote}${scaleNote}; * best per column`,
    [
      'sampler'.padEnd(10),
      'grid'.padEnd(9),
      ...metrics.flatMap(({ key, head }) => calls.map((c) => (key === 'rms' ? `${c} ${head}` : `${head} ${c}`).padStart(12))),
    ].join(' '),
  ];
  for (const key of keys) {
    const [sampler, spacing] = key.split('\t');
    const cells = metrics.flatMap(({ key: metric, digits }) =>
      calls.map((c) => {
        const r = rows.find((x) => x.sampler === sampler && x.spacing === spacing && x.budget === c);
        const value = r?.[metric];
        if (!r || value === undefined) return '—'.padStart(12);
        const mark = best.get(`${metric}${c}`) === value ? '*' : ' ';
        const spread = metric === 'fd' && r.fdSd !== undefined ? `±${r.fdSd.toFixed(2)}` : '';
        return `${value.toFixed(digits)}${spread}${r.calls !== c ? `(${r.calls})` : ''}${mark}`.padStart(12);
      }),
    );
    lines.push([sampler.padEnd(10), spacing.padEnd(9), ...cells].join(' '));
  }
  return `${lines.join('\n')}\n`;
}

function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${text}\x1b[K`);
  else if (text) process.stderr.write(`${text}\n`);
}
