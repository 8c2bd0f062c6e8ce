import type { NoiseSchedule } from './schedule';

/**
 * ᾱ as a function of the timestep, including the clean end t = −1.
 * `finalAlphaBar`: 'one' (diffusers' set_alpha_to_one = true, the reference) or 'first' (ᾱ[0]).
 */
export type FinalAlphaBar = 'one' | 'first';

export type AlphaBar = (t: number) => number;

export function alphaBarOf(schedule: NoiseSchedule, finalAlphaBar: FinalAlphaBar = 'one'): AlphaBar {
  const ab = schedule.alphasCumprod;
  const final = finalAlphaBar === 'one' ? 1 : ab[0];
  return (t: number) => {
    if (t === -1) return final;
    if (!Number.isInteger(t) || t < 0 || t >= ab.length) {
      throw new Error(`No ᾱ for timestep ${t}: timesteps run from 0 to ${ab.length - 1} (and −1 for the clean end).`);
    }
    return ab[t];
  };
}

/** ᾱ on the diffusion ODE itself: 1 at the clean end t = −1, whatever the final-step convention. */
export function odeAlphaBar(ctx: { readonly alphaBar: AlphaBar }, t: number): number {
  return t === -1 ? 1 : ctx.alphaBar(t);
}
