import {
  alphaBarOf,
  DEFAULT_SCHEDULE,
  DEFAULT_SETTINGS,
  makeSchedule,
  sample,
  SeededNoise,
  initialNoise,
  type EpsModel,
  type MethodOptions,
  type SamplingSettings,
  type StepInfo,
} from '../../src/sampler';
import { gaussianEpsModel, type GaussianData } from './gaussianModel';

export const schedule = makeSchedule(DEFAULT_SCHEDULE);
export const alphaBar = alphaBarOf(schedule);

/** ᾱ at fractional t, log-linear between integers (the PF solver's continuous extension). */
export function alphaBarContinuous(t: number): number {
  if (Number.isInteger(t)) return alphaBar(t);
  const lo = Math.floor(t);
  const f = t - lo;
  return Math.exp((1 - f) * Math.log(alphaBar(lo)) + f * Math.log(alphaBar(lo + 1)));
}

export const GAUSSIAN: GaussianData = { mu: 0.3, s: 0.5 };

export function gaussianModel(data: GaussianData = GAUSSIAN) {
  return gaussianEpsModel(data, alphaBarContinuous);
}

/** Seeded x_T for `count` images of `perImage` values. */
export function noiseFor(count: number, perImage: number, seed = 0): Float32Array {
  return initialNoise(new SeededNoise(seed), count, perImage);
}

/** Settings for {@link run}: any subset, the method options given flat beside them. */
export type RunSettings = Partial<Omit<SamplingSettings, 'options'>> & Partial<MethodOptions>;

/** The full settings for a partial, flat {@link RunSettings}. */
export function settingsOf(settings: RunSettings): SamplingSettings {
  const { sampler, steps, spacing, finalAlphaBar, stepsOffset, ...options } = settings;
  const base = { sampler, steps, spacing, finalAlphaBar, stepsOffset };
  const given = Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_SETTINGS, ...given, options: { ...DEFAULT_SETTINGS.options, ...options } };
}

export async function run(
  model: EpsModel,
  xT: Float32Array,
  count: number,
  settings: RunSettings,
  seed = 0,
): Promise<{ x: Float32Array; nfe: number; steps: StepInfo[] }> {
  const steps: StepInfo[] = [];
  const r = await sample(model, schedule, xT, count, settingsOf(settings), {
    noise: new SeededNoise(seed),
    onStep: (s) => {
      steps.push(s);
    },
  });
  return { x: r.x, nfe: r.nfe, steps };
}
