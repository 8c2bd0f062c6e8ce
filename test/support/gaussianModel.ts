/**
 * The closed-form Gaussian diffusion model (test/support/gaussianDiffusion.ts) as an in-memory
 * EpsModel that records its calls, for sampler tests that need no ONNX runtime, and whole-array
 * helpers for comparing samples with the exact ODE solution.
 */
import type { EpsModel } from '../../src/sampler';
import { exactGaussianEps, exactOdeSolution as exactPixel } from './gaussianDiffusion';

export interface GaussianData {
  readonly mu: number;
  readonly s: number;
}

export interface RecordingModel extends EpsModel {
  /** Every call's timestep and a copy of its input, in order. */
  readonly calls: { t: number; x: Float32Array }[];
}

/** Exact ε in float64, rounded to float32 once; `alphaBarAt` gives ᾱ at (possibly fractional) t. */
export function gaussianEpsModel(data: GaussianData, alphaBarAt: (t: number) => number): RecordingModel {
  const calls: { t: number; x: Float32Array }[] = [];
  return {
    calls,
    async eps(x, t) {
      calls.push({ t, x: x.slice() });
      const ab = alphaBarAt(t);
      return Float32Array.from(x, (v) => exactGaussianEps(v, ab, data.mu, data.s));
    },
  };
}

/** The exact end point of the DDIM ODE for every pixel of x_T, from ᾱ_start to ᾱ_end. */
export function exactOdeSolution(xT: Float32Array, alphaBarStart: number, alphaBarEnd: number, data: GaussianData): Float64Array {
  return Float64Array.from(xT, (v) => exactPixel(v, alphaBarStart, alphaBarEnd, data.mu, data.s));
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
