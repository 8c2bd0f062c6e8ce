/** UniPC's B(h): bh1 = h, bh2 = eᴴ − 1 (Zhao et al. 2023, section 3.2; diffusers' solver_type). */
export const SOLVER_TYPES = ['bh1', 'bh2'] as const;
export type SolverType = (typeof SOLVER_TYPES)[number];

/** The solver type for a user-given name, or an error listing the valid ones. */
export function resolveSolverType(name: string): SolverType {
  const found = (SOLVER_TYPES as readonly string[]).find((n) => n === name.trim().toLowerCase());
  if (!found) throw new Error(`Unknown solver type "${name}"; use one of ${SOLVER_TYPES.join(', ')} (UniPC's B(h)).`);
  return found as SolverType;
}
