import type { SamplerContext } from './context';
import { sampleDdim } from './ddim';
import { sampleDdpm } from './ddpm';
import { sampleDpmSolver } from './dpmSolver';
import type { GridStyle } from './grid';
import { sampleIPndm, sampleIPndmV } from './ipndm';
import { sampleUniPc } from './unipc';
import { sampleFon } from './fon';
import type { MethodOptions } from './options';
import { samplePf } from './pf';
import { sampleFPndm, samplePlms, sampleSPndm } from './pndm';

/** One sampling method: a function over the shared context, and the facts a caller shows or checks. */
export interface SamplingMethod {
  readonly run: (ctx: SamplerContext, xT: Float32Array, options: MethodOptions) => Promise<Float32Array>;
  readonly label: string;
  readonly description: string;
  /** Model evaluations for N steps (undefined: adaptive, known only afterwards). */
  readonly nfe: (steps: number) => number | undefined;
  /** Needs a noise source beyond x_T (for some settings). */
  readonly stochastic: (options: MethodOptions) => boolean;
  /** Number of past ε the method keeps (for memory estimates). */
  readonly history: number;
  /** How its leading/linspace grids are laid (default ddim; diffusers' DPM-Solver and UniPC differ). */
  readonly gridStyle?: GridStyle;
  /** The orders `solverOrder` may take and the default, for methods that have that option. */
  readonly solverOrders?: { readonly min: number; readonly max: number; readonly default: number };
  /** Fewest steps for a solver order (multistep methods need as many points as their order). */
  readonly minSteps?: (solverOrder: number) => number;
}

export const SAMPLER_NAMES = [
  'f-pndm',
  's-pndm',
  'fon',
  'plms',
  'ddim',
  'pf',
  'ddpm',
  'dpmpp-2m',
  'dpmpp-3m',
  'unipc',
  'ipndm',
  'ipndm-v',
] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];
/** Accepted spellings: `pndm` is F-PNDM, the paper's default. */
export const SAMPLER_ALIASES: Readonly<Record<string, SamplerName>> = { pndm: 'f-pndm' };

const deterministic = () => false;
/** Calls for N steps when the first `warmUpSteps` steps, but never a step into the clean end, take several calls. */
const warmUp = (callsPerWarmUpStep: number, warmUpSteps: number) => (n: number) =>
  n + (callsPerWarmUpStep - 1) * Math.min(warmUpSteps, n - 1);

export const METHODS: Readonly<Record<SamplerName, SamplingMethod>> = {
  'f-pndm': {
    run: sampleFPndm,
    label: 'F-PNDM',
    description: 'PNDM: 3 pseudo Runge–Kutta warm-up steps, then 4th-order pseudo linear multistep (N+9 calls)',
    nfe: warmUp(4, 3),
    stochastic: deterministic,
    history: 4,
  },
  's-pndm': {
    run: sampleSPndm,
    label: 'S-PNDM',
    description: 'PNDM: pseudo improved-Euler warm-up, then 2nd-order pseudo multistep (N+1 calls)',
    nfe: warmUp(2, 1),
    stochastic: deterministic,
    history: 2,
  },
  fon: {
    run: sampleFon,
    label: 'FON',
    description: 'classical RK4 on the diffusion ODE (4N−3 calls)',
    nfe: warmUp(4, Infinity),
    stochastic: deterministic,
    history: 5,
  },
  plms: {
    run: samplePlms,
    label: 'PLMS',
    description: "diffusers' PNDM with skip_prk_steps: improved Euler, then AB2/AB3/AB4 (N+1 calls)",
    nfe: warmUp(2, 1),
    stochastic: deterministic,
    history: 4,
  },
  ddim: {
    run: sampleDdim,
    label: 'DDIM',
    description: 'DDIM; η = 0 deterministic, η = 1 ancestral-like (N calls)',
    nfe: (n) => n,
    stochastic: (options) => options.eta > 0,
    history: 1,
  },
  pf: {
    run: samplePf,
    label: 'PF-ODE',
    description: 'probability-flow ODE from t = T−1, adaptive Dormand–Prince 5(4) (ignores steps; calls depend on the tolerance)',
    nfe: () => undefined,
    stochastic: deterministic,
    history: 8,
  },
  ddpm: {
    run: sampleDdpm,
    label: 'DDPM',
    description: 'DDPM ancestral sampling, posterior variance by default (N calls; all T steps by default)',
    nfe: (n) => n,
    stochastic: () => true,
    history: 1,
  },
  'dpmpp-2m': {
    run: sampleDpmSolver(2),
    label: 'DPM-Solver++(2M)',
    description: "DPM-Solver++ multistep, 2nd order, as diffusers' DPMSolverMultistepScheduler (N calls)",
    nfe: (n) => n,
    stochastic: deterministic,
    history: 2,
    gridStyle: 'dpm',
    minSteps: () => 2,
  },
  'dpmpp-3m': {
    run: sampleDpmSolver(3),
    label: 'DPM-Solver++(3M)',
    description: "DPM-Solver++ multistep, 3rd order, as diffusers' DPMSolverMultistepScheduler (N calls)",
    nfe: (n) => n,
    stochastic: deterministic,
    history: 3,
    gridStyle: 'dpm',
    minSteps: () => 3,
  },
  unipc: {
    run: sampleUniPc,
    label: 'UniPC',
    description: "UniPC predictor–corrector (bh1|bh2, order 1–3), as diffusers' UniPCMultistepScheduler (N calls)",
    nfe: (n) => n,
    stochastic: deterministic,
    history: 4,
    gridStyle: 'dpm',
    solverOrders: { min: 1, max: 3, default: 2 },
    minSteps: (order) => order,
  },
  ipndm: {
    run: sampleIPndm,
    label: 'iPNDM',
    description: 'improved PNDM: Adams–Bashforth up to 4th order in (σ, x/√ᾱ), lower orders first, no warm-up calls (N calls)',
    nfe: (n) => n,
    stochastic: deterministic,
    history: 4,
    solverOrders: { min: 1, max: 4, default: 4 },
  },
  'ipndm-v': {
    run: sampleIPndmV,
    label: 'iPNDM-v',
    description:
      "variable-step iPNDM: Adams–Bashforth up to 4th order in σ with each step's weights from the grid, as diff-sampler's ipndm_v (N calls)",
    nfe: (n) => n,
    stochastic: deterministic,
    history: 4,
    solverOrders: { min: 1, max: 4, default: 4 },
  },
};

/** The checked solver order of a run: the method's default when not given; an error outside its range or below its steps. */
export function solverOrderFor(name: SamplerName, steps: number, solverOrder?: number): number | undefined {
  const method = METHODS[name];
  const orders = method.solverOrders;
  if (orders && solverOrder !== undefined && !(Number.isInteger(solverOrder) && solverOrder >= orders.min && solverOrder <= orders.max)) {
    throw new Error(`${method.label} takes a solver order from ${orders.min} to ${orders.max}, got ${solverOrder}.`);
  }
  const order = orders ? (solverOrder ?? orders.default) : undefined;
  const fewest = method.minSteps?.(order ?? 1);
  if (fewest !== undefined && steps < fewest) {
    throw new Error(`${method.label} needs at least ${fewest} steps (its order), got ${steps}; use more steps or a lower order.`);
  }
  return order;
}

/** The method for a user-given name, or an error listing the valid names. */
export function resolveSampler(name: string): SamplerName {
  const key = name.trim().toLowerCase();
  const resolved = SAMPLER_ALIASES[key] ?? (SAMPLER_NAMES as readonly string[]).find((n) => n === key);
  if (!resolved) {
    throw new Error(`Unknown sampler "${name}"; use one of ${[...SAMPLER_NAMES, ...Object.keys(SAMPLER_ALIASES)].join(', ')}.`);
  }
  return resolved as SamplerName;
}
