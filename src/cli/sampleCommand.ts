/**
 * `pndm sample`: sample a model to a PNG grid and/or a .npy file, with the sampler core and the ONNX
 * adapter the extension uses. Outputs are written to a temporary file and renamed, never half-written.
 */
import { readNpy, sha256File, writeFileAtomic, writeNpy } from '../io';
import { openOnnxModel, PROVIDER_CHOICES, type OnnxEpsModel } from '../model';
import { checkRunBudget } from '../runner/budget';
import { encodeGridPng } from '../runner/png';
import { recipeOf, recipePngText } from '../runner/recipe';
import { jobModelOf, runJob, summaryLine } from '../runner/runJob';
import { samplingSettingsFor, SPACING_CHOICES, type SpacingChoice } from '../runner/runSettings';
import { resolveSampler, SAMPLER_ALIASES, SAMPLER_NAMES } from '../sampler';
import { checkGridWithin, formatFlags, gridList, HELP_FLAG, parseFlags, UsageError, type FlagSpec, type ParsedFlags } from './args';
import { VARIANCE_CHOICES, type VarianceChoice } from '../protocol';
import { OPTION_LIMITS, SOLVER_TYPES, solverOrderFor, type SolverType } from '../sampler';
import { withTunedGrid } from '../tune/store';
import { bundledModelPath } from './paths';
import { progressBar } from './progress';
import { readSettings, resolveRecipeModel } from './settingsFile';
import { planShard, writeShard } from './shardOutput';

export const SAMPLE_FLAGS: Readonly<Record<string, FlagSpec>> = {
  model: { kind: 'string', help: 'ONNX ε-model (default: the bundled MNIST model, or the one --settings names)' },
  sampler: { kind: 'string', help: 'sampling method', choices: [...SAMPLER_NAMES, ...Object.keys(SAMPLER_ALIASES)] },
  steps: { kind: 'int', help: 'sampling steps (default 50; ddpm: all T)', min: 1, max: 100000 },
  samples: { kind: 'int', help: 'images to sample (default 81, a 9×9 grid)', min: 1, max: 65536 },
  seed: { kind: 'int', help: 'seed of the noise generator (default 0; with --noise it seeds only later draws)', min: 0, max: 4294967295 },
  noise: { kind: 'string', help: 'initial noise x_T, float32 .npy [K,C,H,W], instead of the seed' },
  out: { kind: 'string', help: 'grid PNG to write, with the settings embedded (default samples.png)' },
  'out-npy': { kind: 'string', help: 'final samples to write, float32 .npy [K,C,H,W], unclipped' },
  ep: { kind: 'string', help: 'execution provider', choices: PROVIDER_CHOICES },
  spacing: { kind: 'string', help: "timestep spacing (default auto: the model's, else leading)", choices: SPACING_CHOICES },
  eta: { kind: 'number', help: 'DDIM η (0: deterministic)', min: 0, max: 1 },
  variance: {
    kind: 'string',
    help: "DDPM's step variance (default auto: the model's variance_type, else fixed_small)",
    choices: VARIANCE_CHOICES,
  },
  tolerance: { kind: 'number', help: 'tolerance of the adaptive pf solver (default 1e-3)', ...OPTION_LIMITS.tolerance },
  'solver-order': { kind: 'int', help: 'order of unipc (1–3, default 2) or ipndm and ipndm-v (1–4, default 4)', min: 1, max: 4 },
  'solver-type': { kind: 'string', help: "UniPC's B(h) (default bh2)", choices: SOLVER_TYPES },
  'eps-scale': {
    kind: 'number',
    help: "multiply every ε the model returns by this (ε scaling; default 1; 1.02 lowers the bundled model's FD at 10 calls)",
    ...OPTION_LIMITS.epsScale,
  },
  grid: {
    kind: 'string',
    help: "a tuned grid's timesteps, descending, comma-separated, instead of the cached one (a recipe of --spacing tuned carries them)",
  },
  batch: { kind: 'int', help: 'images per model call (default: all)', min: 1, max: 65536 },
  settings: { kind: 'string', help: 'a PNG saved by pndm or the panel, or settings JSON; flags override it' },
  shard: { kind: 'string', help: 'I/N: sample only shard I of N of the --samples images (for pndm merge; needs --out-npy)' },
  help: HELP_FLAG,
};

export const SAMPLE_USAGE = `usage: pndm sample [options]     sample a model into a PNG grid and/or .npy

options:
${formatFlags(SAMPLE_FLAGS)}
`;

export async function sampleCommand(argv: readonly string[], signal: AbortSignal): Promise<void> {
  const { flags: given, positional } = parseFlags(argv, SAMPLE_FLAGS);
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"; options start with --`);
  const settingsPath = typeof given.settings === 'string' ? given.settings : undefined;
  const recipe = settingsPath ? readSettings(settingsPath, SAMPLE_FLAGS) : undefined;
  // a recipe's tuned grid belongs to its sampler and steps: a flag that changes them (or the spacing) drops it
  const { grid: recipeGrid, ...recipeFlags } = recipe?.flags ?? {};
  const keepsGrid = recipeGrid !== undefined && !['spacing', 'steps', 'sampler'].some((k) => k in given);
  const flags: ParsedFlags = { ...recipeFlags, ...(keepsGrid ? { grid: recipeGrid } : {}), ...given };
  const sampler = resolveSampler(String(flags.sampler ?? 'f-pndm'));
  const out = flags.out as string | undefined;
  const outNpy = flags['out-npy'] as string | undefined;
  const pngPath = out ?? (outNpy ? undefined : 'samples.png');

  const modelPath = recipe
    ? await resolveRecipeModel(recipe, settingsPath!, given.model as string | undefined, bundledModelPath(), (note) =>
        process.stderr.write(`pndm: ${note}\n`),
      )
    : String(flags.model ?? bundledModelPath());
  const model = await openOnnxModel(modelPath, {
    provider: (flags.ep as (typeof PROVIDER_CHOICES)[number]) ?? 'auto',
    batch: flags.batch as number | undefined,
    // auto times one call at the run's batch (with --noise, the count is known only once it is read)
    timingBatch: Math.min((flags.batch as number | undefined) ?? Infinity, (flags.samples as number | undefined) ?? 81),
  });
  try {
    const noise = typeof flags.noise === 'string' ? await readNoise(flags.noise, model) : undefined;
    const total = noise?.count ?? (flags.samples as number | undefined) ?? 81;
    if (noise && given.samples !== undefined && given.samples !== noise.count) {
      throw new UsageError(`--samples ${given.samples} does not match the ${noise.count} images in ${flags.noise}`);
    }
    const shard = typeof flags.shard === 'string' ? planShard(flags.shard, total, outNpy) : undefined;
    const first = shard?.range.start ?? 0;
    const samples = shard ? shard.range.end - first : total;
    const grid = gridFlag(flags);
    if (grid) {
      checkGridWithin(grid, model.info.schedule.numTrainTimesteps);
      if (flags.steps !== undefined && flags.steps !== grid.length) {
        throw new UsageError(
          `--grid has ${grid.length} timesteps but --steps is ${String(flags.steps)}; a grid's length is its number of steps`,
        );
      }
    }
    const settings = withTunedGrid(
      samplingSettingsFor(model.info, {
        sampler,
        steps: (flags.steps as number | undefined) ?? grid?.length,
        spacing: grid ? 'tuned' : (flags.spacing as SpacingChoice | undefined),
        eta: flags.eta as number | undefined,
        tolerance: flags.tolerance as number | undefined,
        variance: flags.variance as VarianceChoice | undefined,
        solverOrder: flags['solver-order'] as number | undefined,
        solverType: flags['solver-type'] as SolverType | undefined,
        epsScale: flags['eps-scale'] as number | undefined,
      }),
      model.info.path,
      grid,
    );
    const T = model.info.schedule.numTrainTimesteps;
    if (settings.steps > T) {
      throw new UsageError(`--steps ${settings.steps} is more than the model's ${T} training timesteps; use --steps ${T} or fewer`);
    }
    try {
      solverOrderFor(sampler, settings.steps, settings.options.solverOrder);
      checkRunBudget(sampler, samples, model.info.imageShape);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const seed = (flags.seed as number | undefined) ?? 0;
    for (const message of [...model.info.warnings, ...model.info.providerMessages]) process.stderr.write(`pndm: ${message}\n`);
    if (model.info.providerChoice) process.stderr.write(`pndm: auto: ${model.info.providerChoice}\n`);
    if (sampler === 'pf' && given.steps !== undefined) {
      process.stderr.write('pndm: note: pf integrates from t = T−1 to the end whatever --steps says; --tolerance sets its accuracy\n');
    }
    const bar = progressBar();
    const result = await runJob(
      jobModelOf(model),
      {
        settings,
        samples,
        seed,
        noise: noise?.data.subarray(first * noise.perImage, (first + samples) * noise.perImage),
        firstImage: first,
      },
      { signal, onStep: (info) => bar.update(info) },
    ).finally(() => bar.done());
    const line = summaryLine(settings, samples, result);
    const shape = model.info.imageShape;
    if (pngPath) {
      const ep = (flags.ep as string | undefined) ?? 'auto';
      const made = recipeOf({ settings, samples, seed, ep, modelPath: model.info.path, modelSha256: await sha256File(model.info.path) });
      // a recipe reproduces a run from its seed; x_T from a file is not part of it, so the PNG says so
      const comment = noise ? `${line}; x_T from ${String(flags.noise)}, not from the seed` : line;
      await writeFileAtomic(pngPath, encodeGridPng(result.x, samples, shape, recipePngText(made, comment)));
    }
    const facts = {
      modelPath: model.info.path,
      settings,
      seed,
      noisePath: flags.noise as string | undefined,
      provider: model.info.provider,
      imageShape: shape,
    };
    const manifest = shard && outNpy ? await writeShard(shard, facts, outNpy, result.x) : undefined;
    if (outNpy && !shard) await writeNpy(outNpy, result.x, [samples, shape.channels, shape.height, shape.width]);
    process.stdout.write(
      `${line}${shard ? ` (shard ${shard.shard.index}/${shard.shard.count}: images ${first}..${first + samples - 1} of ${total})` : ''}\n`,
    );
    for (const path of [pngPath, outNpy, manifest]) if (path) process.stdout.write(`wrote ${path}\n`);
  } finally {
    await model.dispose();
  }
}

async function readNoise(path: string, model: OnnxEpsModel): Promise<{ data: Float32Array; count: number; perImage: number }> {
  const array = await readNpy(path);
  const { channels, height, width } = model.info.imageShape;
  const [count, ...chw] = array.shape;
  if (array.dtype !== '<f4' || array.shape.length !== 4 || chw.join() !== [channels, height, width].join() || count < 1) {
    throw new UsageError(
      `--noise ${path} holds ${array.dtype} [${array.shape.join(', ')}]; this model needs float32 [K, ${channels}, ${height}, ${width}]`,
    );
  }
  return { data: array.data as Float32Array, count, perImage: channels * height * width };
}

/** --grid as whole timesteps; it means --spacing tuned (another spacing with it is refused). */
function gridFlag(flags: ParsedFlags): number[] | undefined {
  if (typeof flags.grid !== 'string') return undefined;
  if (flags.spacing !== undefined && flags.spacing !== 'tuned') {
    throw new UsageError(`--grid gives the timesteps of --spacing tuned; it cannot go with --spacing ${String(flags.spacing)}`);
  }
  return gridList(flags.grid);
}
