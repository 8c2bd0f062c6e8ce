/**
 * A run's recipe: the settings JSON that "Copy settings" puts on the clipboard, that Save PNG and
 * `pndm sample --out` embed in the PNG, and that `pndm sample --settings` reads back to reproduce the
 * samples bit for bit. The model is named by file name and SHA-256, never by an absolute path (a shared
 * PNG must not tell where its maker keeps files); the initial noise is a seed, never a file.
 */
import { METHODS, type SamplerName, type SamplingSettings, type Spacing, type VarianceType } from '../sampler';

/** The PNG keyword of the recipe's iTXt chunk; the summary line goes in `Comment`. */
export const RECIPE_KEYWORD = 'pndm.settings';

/**
 * Example: {"sampler":"f-pndm","steps":50,"samples":81,"seed":0,"spacing":"leading","eta":0,
 * "variance":"fixed_small","tolerance":0.001,"ep":"auto","model":"mnist_ddpm.onnx","modelSha256":"9f…"}
 */
export interface Recipe {
  readonly sampler: SamplerName;
  readonly steps: number;
  readonly samples: number;
  /** The seed actually used (the panel's −1 is already drawn). */
  readonly seed: number;
  /** As the run resolved it (the model's own spacing for `auto`). */
  readonly spacing: Spacing;
  readonly eta: number;
  /** DDPM's step variance, as resolved (the model's variance_type for `auto`). */
  readonly variance: VarianceType;
  readonly tolerance: number;
  /** UniPC's and iPNDM's order, when the run set one (otherwise the method's default). */
  readonly solverOrder?: number;
  /** UniPC's B(h), for UniPC runs. */
  readonly solverType?: string;
  /** ε scaling, when the run used it. */
  readonly epsScale?: number;
  /** The timesteps of a `tuned` run: the recipe reproduces it without the tuner's cache (`pndm sample --grid`). */
  readonly grid?: readonly number[];
  /** The execution provider asked for. */
  readonly ep: string;
  /** The model's file name, without its folder. */
  readonly model: string;
  readonly modelSha256: string;
}

export interface RecipeRun {
  readonly settings: SamplingSettings;
  readonly samples: number;
  readonly seed: number;
  readonly ep: string;
  readonly modelPath: string;
  readonly modelSha256: string;
}

export function recipeOf(run: RecipeRun): Recipe {
  const s = run.settings;
  return {
    sampler: s.sampler,
    steps: s.steps,
    samples: run.samples,
    seed: run.seed,
    spacing: s.spacing,
    eta: s.options.eta,
    variance: s.options.variance,
    tolerance: s.options.tolerance,
    ...(s.options.solverOrder !== undefined ? { solverOrder: s.options.solverOrder } : {}),
    ...(s.sampler === 'unipc' ? { solverType: s.options.solverType } : {}),
    ...(s.options.epsScale !== undefined && s.options.epsScale !== 1 ? { epsScale: s.options.epsScale } : {}),
    ...(s.spacing === 'tuned' && s.tunedGrid ? { grid: [...s.tunedGrid] } : {}),
    ep: run.ep,
    model: baseName(run.modelPath),
    modelSha256: run.modelSha256,
  };
}

/** The PNG text of a saved grid, the same for the CLI and the panel. */
export function recipePngText(recipe: Recipe, summaryLine: string): Record<string, string> {
  return {
    Software: 'PNDM Sampler',
    Title: `${METHODS[recipe.sampler].label} samples of ${recipe.model}`,
    [RECIPE_KEYWORD]: JSON.stringify(recipe),
    Comment: summaryLine,
  };
}

/** The last path component, whichever separator the path uses (a recipe may come from Windows). */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
