/**
 * The panel's form: writing RunSettings into the toolkit controls, reading them back (with a first,
 * friendly check — the host validates again), and showing η and the variance only where they apply
 * (DDIM, DDPM).
 */
import { LIMITS, type RunSettings } from '../src/protocol';

interface ValueElement extends HTMLElement {
  value: string;
}

const field = (id: string) => document.getElementById(id) as ValueElement;

export const controls = {
  sampler: field('sampler'),
  steps: field('steps'),
  samples: field('samples'),
  seed: field('seed'),
  spacing: field('spacing'),
  eta: field('eta'),
  variance: field('variance'),
  provider: field('provider'),
  preview: field('preview'),
};

/** Write the given settings (all, or only those that changed) into their controls. */
export function writeSettings(s: Partial<RunSettings>): void {
  for (const [key, value] of Object.entries(s) as [keyof RunSettings, RunSettings[keyof RunSettings]][]) {
    controls[key].value = String(value);
  }
  showEtaWhereItApplies();
}

export function showEtaWhereItApplies(): void {
  controls.eta.hidden = controls.sampler.value !== 'ddim';
  controls.variance.parentElement!.hidden = controls.sampler.value !== 'ddpm';
}

function integer(name: keyof typeof LIMITS, text: string, label: string): number | string {
  const { min, max } = LIMITS[name];
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    return `${label} must be a whole number from ${min} to ${max} (got "${text}").`;
  }
  return value;
}

/** The settings in the form, or a message saying which control to fix. */
export function readSettings(): { settings: RunSettings } | { error: string } {
  const steps = integer('steps', controls.steps.value, 'Steps');
  const samples = integer('samples', controls.samples.value, 'Samples');
  const seed = integer('seed', controls.seed.value, 'Seed');
  const eta = Number(controls.eta.value.trim());
  for (const v of [steps, samples, seed]) if (typeof v === 'string') return { error: v };
  if (controls.sampler.value === 'ddim' && !(eta >= LIMITS.eta.min && eta <= LIMITS.eta.max)) {
    return { error: `η must be a number from ${LIMITS.eta.min} to ${LIMITS.eta.max} (got "${controls.eta.value}").` };
  }
  return {
    settings: {
      sampler: controls.sampler.value as RunSettings['sampler'],
      steps: steps as number,
      samples: samples as number,
      seed: seed as number,
      spacing: controls.spacing.value as RunSettings['spacing'],
      eta: eta >= LIMITS.eta.min && eta <= LIMITS.eta.max ? eta : 0, // ignored by every sampler but DDIM
      variance: controls.variance.value as RunSettings['variance'], // ignored by every sampler but DDPM
      provider: controls.provider.value as RunSettings['provider'],
      preview: controls.preview.value as RunSettings['preview'],
    },
  };
}

/** A fresh seed in 0..2³²−1. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/** Call `listener` whenever any control changes. */
export function onAnyChange(listener: () => void): void {
  for (const el of Object.values(controls)) {
    el.addEventListener('change', listener);
    el.addEventListener('input', listener);
  }
}
