/**
 * Settings from a PNG saved by `pndm sample` or the panel (its recipe, src/runner/recipe.ts): the
 * panel's controls take the recipe's sampler, steps, samples, seed, spacing, η, variance, solver order
 * and type, ε scale, tolerance and provider (the preview stays as it was), checked by the same rules as
 * a Generate message. No vscode import.
 */
import { SOLVER_OPTION_DEFAULTS, type RunSettings } from '../protocol';
import { readPngSettings, readPngText } from '../runner/pngText';
import { validateRunSettings } from './validate';

export type PngSettings =
  | {
      readonly ok: true;
      readonly settings: RunSettings;
      readonly model?: string;
      readonly line: string;
      /** What the recipe set that the panel has no control for (a tuned grid): its samples will differ. */
      readonly notInPanel: readonly string[];
    }
  | { readonly ok: false; readonly error: string };

/** Larger files are refused before they are parsed. */
export const MAX_PNG_BYTES = 64 * 1024 * 1024;

export function settingsFromPng(bytes: Uint8Array, name: string, current: RunSettings): PngSettings {
  if (bytes.length > MAX_PNG_BYTES)
    return { ok: false, error: `${name} is larger than ${MAX_PNG_BYTES / 1024 / 1024} MB: open a PNG saved by PNDM.` };
  let recipe: Record<string, unknown>;
  let text: Record<string, string>;
  try {
    recipe = readPngSettings(bytes);
    text = readPngText(bytes);
  } catch (error) {
    return { ok: false, error: `${name}: ${(error as Error).message}. Open a PNG saved by pndm sample or the PNDM panel.` };
  }
  const checked = validateRunSettings({
    sampler: recipe.sampler,
    steps: recipe.steps,
    samples: recipe.samples,
    seed: recipe.seed,
    spacing: recipe.spacing ?? current.spacing,
    eta: recipe.eta ?? current.eta,
    variance: recipe.variance ?? current.variance,
    // a recipe leaves out what was the default: no order, B(h) or ε scale means the sampler's own
    solverOrder: recipe.solverOrder ?? SOLVER_OPTION_DEFAULTS.solverOrder,
    solverType: recipe.solverType ?? SOLVER_OPTION_DEFAULTS.solverType,
    epsScale: recipe.epsScale ?? SOLVER_OPTION_DEFAULTS.epsScale,
    tolerance: recipe.tolerance ?? current.tolerance,
    provider: recipe.ep ?? current.provider,
    preview: current.preview,
  });
  if (!checked.ok) return { ok: false, error: `${name}: its recipe does not fit the panel: ${checked.error}` };
  return {
    ok: true,
    settings: checked.settings,
    model: typeof recipe.model === 'string' ? recipe.model : undefined,
    line: text.Comment ?? `Settings from ${name}`,
    notInPanel: notInPanel(recipe),
  };
}

/**
 * The recipe's settings that change its samples but have no control in the panel (pndm sample
 * --settings has them all): a grid given by its timesteps, which the panel's `tuned` takes from the
 * grid saved for the model instead.
 */
function notInPanel(recipe: Record<string, unknown>): string[] {
  const missing: string[] = [];
  if (Array.isArray(recipe.grid)) missing.push(`tuned grid ${recipe.grid.join(',')} (the panel uses the grid saved for this model)`);
  return missing;
}
