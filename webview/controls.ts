/**
 * The panel's form: writing RunSettings into the toolkit controls, reading them back (with a first,
 * friendly check — the host validates again), and showing each sampler's own controls only where they
 * apply (η: DDIM, variance: DDPM, order: UniPC and iPNDM, B(h): UniPC, tolerance: pf).
 */
import { LIMITS, SOLVER_OPTION_DEFAULTS, type RunSettings } from '../src/protocol';

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
  solverOrder: field('solver-order'),
  solverType: field('solver-type'),
  tolerance: field('tolerance'),
  epsScale: field('eps-scale'),
  provider: field('provider'),
  preview: field('preview'),
};

/** Write the given settings (all, or only those that changed) into their controls. */
export function writeSettings(s: Partial<RunSettings>): void {
  // the sampler first: it decides which orders the order control lists
  if (s.sampler !== undefined) controls.sampler.value = s.sampler;
  showControlsThatApply(s.solverOrder);
  for (const [key, value] of Object.entries(s) as [keyof RunSettings, RunSettings[keyof RunSettings]][]) {
    if (key !== 'sampler' && key !== 'solverOrder') controls[key].value = String(value);
  }
}

interface SolverOrders {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}
/** Each sampler's orders, written into the page by the host (src/extension/panelHtml.ts). */
const SOLVER_ORDERS = JSON.parse(controls.solverOrder.dataset.orders ?? '{}') as Record<string, SolverOrders | undefined>;

/**
 * Show the controls the chosen sampler reads, and list its orders in the order control: "default (2)"
 * and 1…3 for UniPC. The order kept is `order` when given, else the one shown, when the sampler takes
 * it; otherwise its default.
 */
export function showControlsThatApply(order?: number): void {
  const sampler = controls.sampler.value;
  controls.eta.hidden = sampler !== 'ddim';
  controls.variance.parentElement!.hidden = sampler !== 'ddpm';
  controls.solverType.parentElement!.hidden = sampler !== 'unipc';
  controls.tolerance.hidden = sampler !== 'pf';
  const orders = SOLVER_ORDERS[sampler];
  controls.solverOrder.parentElement!.hidden = !orders;
  if (!orders) return;
  const wanted = order ?? Number(controls.solverOrder.value);
  const values = [0];
  for (let k = orders.min; k <= orders.max; k++) values.push(k);
  controls.solverOrder.replaceChildren(
    ...values.map((k) => {
      const option = document.createElement('vscode-option');
      option.setAttribute('value', String(k));
      option.textContent = k === 0 ? `default (${orders.default})` : String(k);
      return option;
    }),
  );
  controls.solverOrder.value = String(values.includes(wanted) ? wanted : 0);
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
  const tolerance = Number(controls.tolerance.value.trim());
  const epsScale = Number(controls.epsScale.value.trim());
  const sampler = controls.sampler.value;
  for (const v of [steps, samples, seed]) if (typeof v === 'string') return { error: v };
  if (sampler === 'ddim' && !within(eta, LIMITS.eta)) {
    return { error: `η must be a number from ${LIMITS.eta.min} to ${LIMITS.eta.max} (got "${controls.eta.value}").` };
  }
  if (sampler === 'pf' && !within(tolerance, LIMITS.tolerance)) {
    return {
      error: `The tolerance must be a number from ${LIMITS.tolerance.min} to ${LIMITS.tolerance.max} (got "${controls.tolerance.value}").`,
    };
  }
  if (!within(epsScale, LIMITS.epsScale)) {
    return {
      error: `The ε scale must be a number from ${LIMITS.epsScale.min} to ${LIMITS.epsScale.max}, 1 for the model as it is (got "${controls.epsScale.value}").`,
    };
  }
  const order = Number(controls.solverOrder.value);
  return {
    settings: {
      sampler: controls.sampler.value as RunSettings['sampler'],
      steps: steps as number,
      samples: samples as number,
      seed: seed as number,
      spacing: controls.spacing.value as RunSettings['spacing'],
      eta: within(eta, LIMITS.eta) ? eta : 0, // ignored by every sampler but DDIM
      variance: controls.variance.value as RunSettings['variance'], // ignored by every sampler but DDPM
      solverOrder: SOLVER_ORDERS[sampler] && Number.isInteger(order) ? order : SOLVER_OPTION_DEFAULTS.solverOrder,
      solverType: controls.solverType.value as RunSettings['solverType'], // ignored by every sampler but UniPC
      tolerance: within(tolerance, LIMITS.tolerance) ? tolerance : SOLVER_OPTION_DEFAULTS.tolerance, // pf only
      epsScale,
      provider: controls.provider.value as RunSettings['provider'],
      preview: controls.preview.value as RunSettings['preview'],
    },
  };
}

/** A number within the bounds (false for NaN, as from an empty or mistyped field). */
function within(value: number, bounds: { readonly min: number; readonly max: number }): boolean {
  return Number.isFinite(value) && value >= bounds.min && value <= bounds.max;
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
