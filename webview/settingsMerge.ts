/**
 * A change of a `pndm.*` setting reaches the panel as the whole RunSettings. Only the controls whose
 * setting changed take the new value: what the user typed into the others stays. Pure, unit-tested.
 */
import type { RunSettings } from '../src/protocol';

/** The settings that differ between the host's previous and next values (all of them when there was no previous). */
export function changedSettings(previous: RunSettings | undefined, next: RunSettings): Partial<RunSettings> {
  const changed: Record<string, unknown> = {};
  for (const key of Object.keys(next) as (keyof RunSettings)[]) {
    if (!previous || previous[key] !== next[key]) changed[key] = next[key];
  }
  return changed as Partial<RunSettings>;
}
