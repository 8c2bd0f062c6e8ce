/**
 * Closed forms for diffusion of Gaussian data, the ground truth of the model tests.
 * If every pixel of x₀ is N(μ, s²) (independent), then x_t = √ᾱ·x₀ + √(1−ᾱ)·ε is N(√ᾱ·μ, ᾱ·s² + 1 − ᾱ)
 * and the exact (MMSE) noise prediction is
 *   ε(x, t) = √(1−ᾱ)·(x − √ᾱ·μ) / (ᾱ·s² + 1 − ᾱ).
 * With x̄ = x/√ᾱ and σ = √((1−ᾱ)/ᾱ) the DDIM / probability-flow ODE is dx̄/dσ = ε = σ(x̄ − μ)/(s² + σ²),
 * solved by x̄(σ) = μ + (x̄(σ₁) − μ)·√(s² + σ²)/√(s² + σ₁²).
 */
import type { PredictionType } from '../../src/sampler/schedule';

/** The exact ε for one pixel value x at noise level ᾱ. */
export function exactGaussianEps(x: number, alphaBar: number, mu: number, s: number): number {
  return (Math.sqrt(1 - alphaBar) * (x - Math.sqrt(alphaBar) * mu)) / (alphaBar * s * s + 1 - alphaBar);
}

/** σ of the DDIM ODE for ᾱ (0 at ᾱ = 1). */
export const sigmaOf = (alphaBar: number) => Math.sqrt((1 - alphaBar) / alphaBar);

/**
 * The exact solution of the DDIM ODE for the Gaussian model: the pixel value x at ᾱ = alphaBarFrom,
 * carried to ᾱ = alphaBarTo (1 gives the clean end, x₀).
 */
export function exactOdeSolution(x: number, alphaBarFrom: number, alphaBarTo: number, mu: number, s: number): number {
  const xBar = x / Math.sqrt(alphaBarFrom);
  const from = sigmaOf(alphaBarFrom);
  const to = sigmaOf(alphaBarTo);
  const xBarTo = mu + (xBar - mu) * Math.sqrt((s * s + to * to) / (s * s + from * from));
  return Math.sqrt(alphaBarTo) * xBarTo;
}

/**
 * The network output as an affine map of x per timestep, out = P[t]·x + Q[t], for each prediction type:
 *   epsilon: ε;  sample: x₀ = (x − √(1−ᾱ)·ε)/√ᾱ;  v_prediction: v = √ᾱ·ε − √(1−ᾱ)·x₀.
 */
export function gaussianOutputTables(
  alphasCumprod: ArrayLike<number>,
  mu: number,
  s: number,
  type: PredictionType = 'epsilon',
): { P: Float64Array; Q: Float64Array } {
  const T = alphasCumprod.length;
  const P = new Float64Array(T);
  const Q = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const ab = alphasCumprod[t];
    const a = Math.sqrt(ab);
    const b = Math.sqrt(1 - ab);
    const c = b / (ab * s * s + 1 - ab);
    const [epsP, epsQ] = [c, -a * mu * c];
    const [x0P, x0Q] = [(1 - b * epsP) / a, (-b * epsQ) / a];
    if (type === 'epsilon') [P[t], Q[t]] = [epsP, epsQ];
    else if (type === 'sample') [P[t], Q[t]] = [x0P, x0Q];
    else [P[t], Q[t]] = [a * epsP - b * x0P, a * epsQ - b * x0Q];
  }
  return { P, Q };
}
