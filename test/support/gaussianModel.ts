/**
 * A diffusion model whose ε is known in closed form: data x₀ ~ N(μ, s²) independently per pixel.
 * Then x_t ~ N(√ᾱ·μ, ᾱs² + 1 − ᾱ) and ε(x, t) = √(1−ᾱ)·(x − √ᾱ·μ)/(ᾱs² + 1 − ᾱ).
 * In DDIM's variables x̄ = x/√ᾱ, σ² = (1−ᾱ)/ᾱ the probability-flow ODE dx̄/dσ = σ(x̄ − μ)/(s² + σ²)
 * has the solution x̄(σ) − μ = (x̄(σ₁) − μ)·√(s² + σ²)/√(s² + σ₁²).
 */
import type { EpsModel } from '../../src/sampler';

export interface GaussianData {
  readonly mu: number;
  readonly s: number;
}

export interface RecordingModel extends EpsModel {
  /** Every call's timestep and a copy of its input, in order. */
  readonly calls: { t: number; x: Float32Array }[];
}

/** ε in float64, rounded to float32 once; `alphaBarAt` gives ᾱ at (possibly fractional) t. */
export function gaussianEpsModel(data: GaussianData, alphaBarAt: (t: number) => number): RecordingModel {
  const calls: { t: number; x: Float32Array }[] = [];
  return {
    calls,
    async eps(x, t) {
      calls.push({ t, x: x.slice() });
      const ab = alphaBarAt(t);
      const c = Math.sqrt(1 - ab) / (ab * data.s * data.s + 1 - ab);
      const m = Math.sqrt(ab) * data.mu;
      return Float32Array.from(x, (v) => (v - m) * c);
    },
  };
}

/** The exact end point of the DDIM ODE from x_T at ᾱ_start to ᾱ_end, elementwise, in float64. */
export function exactOdeSolution(xT: Float32Array, alphaBarStart: number, alphaBarEnd: number, data: GaussianData): Float64Array {
  const sigma1 = Math.sqrt((1 - alphaBarStart) / alphaBarStart);
  const sigma = Math.sqrt((1 - alphaBarEnd) / alphaBarEnd);
  const gain = Math.sqrt(data.s ** 2 + sigma ** 2) / Math.sqrt(data.s ** 2 + sigma1 ** 2);
  const out = new Float64Array(xT.length);
  for (let i = 0; i < xT.length; i++) {
    const xbar1 = xT[i] / Math.sqrt(alphaBarStart);
    out[i] = (data.mu + (xbar1 - data.mu) * gain) * Math.sqrt(alphaBarEnd);
  }
  return out;
}

export function rms(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum / a.length);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
