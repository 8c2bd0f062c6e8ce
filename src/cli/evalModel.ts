/** What `pndm eval` and `pndm tune` share: the model opened for scoring, its seeded x_T, and list flags. */
import { readNpy } from '../io';
import { openOnnxModel, PROVIDER_CHOICES, type OnnxEpsModel } from '../model';
import { initialNoise, makeSchedule, resolveSampler, SeededNoise, SPACINGS, type SamplerName, type Spacing } from '../sampler';
import type { EvalRun } from '../tune/evaluate';
import { UsageError } from './args';
import { bundledModelPath } from './paths';

export async function openForEval(
  flags: { model?: string; ep?: string; images: number; seed: number; noise?: string },
  signal: AbortSignal,
): Promise<{ model: OnnxEpsModel; run: EvalRun }> {
  if (flags.ep !== undefined && !(PROVIDER_CHOICES as readonly string[]).includes(flags.ep)) {
    throw new UsageError(`--ep must be one of ${PROVIDER_CHOICES.join(', ')}; got "${flags.ep}"`);
  }
  const model = await openOnnxModel(flags.model ?? bundledModelPath(), {
    provider: (flags.ep as (typeof PROVIDER_CHOICES)[number]) ?? 'cpu',
  });
  try {
    const { channels, height, width } = model.info.imageShape;
    let xT: Float32Array;
    let count = flags.images;
    if (flags.noise) {
      const array = await readNpy(flags.noise);
      if (array.dtype !== '<f4' || array.shape.length !== 4 || array.shape.slice(1).join() !== [channels, height, width].join()) {
        throw new UsageError(`--noise ${flags.noise} must be float32 [K, ${channels}, ${height}, ${width}]`);
      }
      xT = array.data as Float32Array;
      count = array.shape[0];
    } else {
      xT = initialNoise(new SeededNoise(flags.seed), count, channels * height * width);
    }
    const run: EvalRun = {
      model,
      schedule: makeSchedule(model.info.schedule),
      xT,
      count,
      base: { finalAlphaBar: model.info.setAlphaToOne === false ? 'first' : 'one', stepsOffset: model.info.stepsOffset ?? 0 },
      signal,
    };
    return { model, run };
  } catch (error) {
    await model.dispose();
    throw error;
  }
}

/** A comma-separated list of samplers, each checked. */
export function samplerList(text: string, flag = '--samplers'): SamplerName[] {
  return splitList(text, flag).map((name) => {
    try {
      return resolveSampler(name);
    } catch (error) {
      throw new UsageError(`${flag}: ${(error as Error).message}`);
    }
  });
}

export function spacingList(text: string): Spacing[] {
  return splitList(text, '--spacings').map((name) => {
    if (!(SPACINGS as readonly string[]).includes(name)) throw new UsageError(`--spacings: "${name}" is not one of ${SPACINGS.join(', ')}`);
    return name as Spacing;
  });
}

export function intList(text: string, flag: string, min: number, max: number): number[] {
  return splitList(text, flag).map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag}: "${v}" is not a whole number from ${min} to ${max}`);
    return n;
  });
}

/** A whole number flag from util.parseArgs' string value. */
export function intFlag(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  return intList(value, flag, min, max)[0];
}

function splitList(text: string, flag: string): string[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!items.length) throw new UsageError(`${flag} needs a comma-separated list`);
  return items;
}
