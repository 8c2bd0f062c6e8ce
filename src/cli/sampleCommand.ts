/**
 * `pndm sample`: sample a model to a PNG grid and/or a .npy file, with the sampler core and the ONNX
 * adapter the extension uses. Outputs are written to a temporary file and renamed, never half-written.
 */
import { readFileSync } from 'node:fs';
import { openOnnxModel, readNpy, writeFileAtomic, writeNpy, PROVIDER_CHOICES, type OnnxEpsModel } from '../model';
import { checkRunBudget } from '../runner/budget';
import { encodeGridPng } from '../runner/png';
import { runJob, summaryLine } from '../runner/runJob';
import { VARIANCE_CHOICES, type VarianceChoice } from '../protocol';
import { methodOptionsOf } from '../runner/methodOptions';
import { METHODS, resolveSampler, SAMPLER_ALIASES, SAMPLER_NAMES, SPACINGS, type SamplingSettings } from '../sampler';
import { checkValue, parseFlags, UsageError, type FlagSpec, type ParsedFlags } from './args';
import { bundledModelPath } from './paths';
import { progressBar } from './progress';

export const SAMPLE_FLAGS: Readonly<Record<string, FlagSpec>> = {
  model: { kind: 'string', help: 'ONNX ε-model (default: the bundled MNIST model)' },
  sampler: { kind: 'string', help: 'sampling method', choices: [...SAMPLER_NAMES, ...Object.keys(SAMPLER_ALIASES)] },
  steps: { kind: 'int', help: 'sampling steps (default 50; ddpm: all T)', min: 1, max: 100000 },
  samples: { kind: 'int', help: 'images to sample (default 81, a 9×9 grid)', min: 1, max: 65536 },
  seed: { kind: 'int', help: 'seed of the noise generator (default 0; with --noise it seeds only later draws)', min: 0, max: 4294967295 },
  noise: { kind: 'string', help: 'initial noise x_T, float32 .npy [K,C,H,W], instead of the seed' },
  out: { kind: 'string', help: 'grid PNG to write (default samples.png)' },
  'out-npy': { kind: 'string', help: 'final samples to write, float32 .npy [K,C,H,W], unclipped' },
  ep: { kind: 'string', help: 'execution provider', choices: PROVIDER_CHOICES },
  spacing: { kind: 'string', help: "timestep spacing (default: the model's, else leading)", choices: SPACINGS },
  eta: { kind: 'number', help: 'DDIM η (0: deterministic)', min: 0, max: 1 },
  variance: {
    kind: 'string',
    help: "DDPM's step variance (default auto: the model's variance_type, else fixed_small)",
    choices: VARIANCE_CHOICES,
  },
  tolerance: { kind: 'number', help: 'tolerance of the adaptive pf solver (default 1e-3)', min: 1e-8, max: 0.5 },
  batch: { kind: 'int', help: 'images per model call (default: all)', min: 1, max: 65536 },
  settings: { kind: 'string', help: 'JSON settings as copied from the panel; flags override them' },
};

/** Keys of the panel's "Copy settings" JSON, each mapped to its flag. */
const SETTINGS_KEYS: Readonly<Record<string, string>> = {
  model: 'model',
  sampler: 'sampler',
  steps: 'steps',
  samples: 'samples',
  seed: 'seed',
  spacing: 'spacing',
  eta: 'eta',
  variance: 'variance',
  ep: 'ep',
  tolerance: 'tolerance',
  batch: 'batch',
};

export async function sampleCommand(argv: readonly string[], signal: AbortSignal): Promise<void> {
  const { flags: given, positional } = parseFlags(argv, SAMPLE_FLAGS);
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"; options start with --`);
  const flags = { ...(typeof given.settings === 'string' ? readSettingsFile(given.settings) : {}), ...given };
  const sampler = resolveSampler(String(flags.sampler ?? 'f-pndm'));
  const out = flags.out as string | undefined;
  const outNpy = flags['out-npy'] as string | undefined;
  const pngPath = out ?? (outNpy ? undefined : 'samples.png');

  const model = await openOnnxModel(String(flags.model ?? bundledModelPath()), {
    provider: (flags.ep as (typeof PROVIDER_CHOICES)[number]) ?? 'auto',
    batch: flags.batch as number | undefined,
  });
  try {
    const noise = typeof flags.noise === 'string' ? await readNoise(flags.noise, model) : undefined;
    const samples = noise?.count ?? (flags.samples as number | undefined) ?? 81;
    if (noise && given.samples !== undefined && given.samples !== noise.count) {
      throw new UsageError(`--samples ${given.samples} does not match the ${noise.count} images in ${flags.noise}`);
    }
    const T = model.info.schedule.numTrainTimesteps;
    const steps = (flags.steps as number | undefined) ?? (sampler === 'ddpm' ? T : 50);
    if (steps > T) throw new UsageError(`--steps ${steps} is more than the model's ${T} training timesteps; use --steps ${T} or fewer`);
    const settings: SamplingSettings = {
      sampler,
      steps,
      spacing: (flags.spacing as SamplingSettings['spacing']) ?? model.info.timestepSpacing ?? 'leading',
      finalAlphaBar: model.info.setAlphaToOne === false ? 'first' : 'one',
      stepsOffset: model.info.stepsOffset ?? 0,
      options: methodOptionsOf(
        {
          eta: flags.eta as number | undefined,
          tolerance: flags.tolerance as number | undefined,
          variance: flags.variance as VarianceChoice | undefined,
        },
        model.info,
      ),
    };
    try {
      checkRunBudget(sampler, samples, model.info.imageShape);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const seed = (flags.seed as number | undefined) ?? 0;
    for (const message of [...model.info.warnings, ...model.info.providerMessages]) process.stderr.write(`pndm: ${message}\n`);
    const bar = progressBar();
    const result = await runJob(
      {
        eps: (x, t) => model.eps(x, t),
        epsWithVariance: (x, t) => model.epsWithVariance(x, t),
        imageShape: model.info.imageShape,
        schedule: model.info.schedule,
        modelMs: () => model.modelMs,
        provider: model.info.provider,
      },
      { settings, samples, seed, noise: noise?.data },
      { signal, onStep: (info) => bar.update(info) },
    ).finally(() => bar.done());
    const line = summaryLine(settings, samples, result);
    const shape = model.info.imageShape;
    if (pngPath) {
      const text = {
        Software: 'pndm-sampler',
        Title: `${METHODS[sampler].label} samples of ${model.info.path}`,
        'pndm.settings': JSON.stringify({
          model: model.info.path,
          sampler,
          steps,
          samples,
          seed,
          noise: flags.noise,
          spacing: settings.spacing,
          eta: settings.options.eta,
          ...(sampler === 'ddpm' ? { variance: settings.options.variance } : {}),
          ep: model.info.provider,
        }),
        Comment: line,
      };
      await writeFileAtomic(pngPath, encodeGridPng(result.x, samples, shape, text));
    }
    if (outNpy) await writeNpy(outNpy, result.x, [samples, shape.channels, shape.height, shape.width]);
    process.stdout.write(`${line}\n`);
    for (const path of [pngPath, outNpy]) if (path) process.stdout.write(`wrote ${path}\n`);
  } finally {
    await model.dispose();
  }
}

function readSettingsFile(path: string): ParsedFlags {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--settings ${path}: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`--settings ${path} must hold a JSON object`);
  const flags: ParsedFlags = {};
  for (const [key, value] of Object.entries(raw)) {
    const flag = SETTINGS_KEYS[key];
    if (!flag) throw new UsageError(`--settings ${path}: unknown key "${key}"; keys: ${Object.keys(SETTINGS_KEYS).join(', ')}`);
    if (flag === 'seed' && value === -1) continue; // the panel's "random each run": the CLI's default seed
    flags[flag] = checkValue(flag, value, SAMPLE_FLAGS[flag]);
  }
  return flags;
}

async function readNoise(path: string, model: OnnxEpsModel): Promise<{ data: Float32Array; count: number }> {
  const array = await readNpy(path);
  const { channels, height, width } = model.info.imageShape;
  const [count, ...chw] = array.shape;
  if (array.dtype !== '<f4' || array.shape.length !== 4 || chw.join() !== [channels, height, width].join() || count < 1) {
    throw new UsageError(
      `--noise ${path} holds ${array.dtype} [${array.shape.join(', ')}]; this model needs float32 [K, ${channels}, ${height}, ${width}]`,
    );
  }
  return { data: array.data as Float32Array, count };
}
