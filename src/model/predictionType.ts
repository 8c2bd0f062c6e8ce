/**
 * Converts what a network predicts into ε, the quantity every sampler works with
 * (x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε):
 *   v_prediction (v = √ᾱ·ε − √(1−ᾱ)·x₀):  ε = √ᾱ·v + √(1−ᾱ)·x_t
 *   sample (x₀):                          ε = (x_t − √ᾱ·x₀) / √(1−ᾱ)
 */
import type { PredictionType } from '../sampler/schedule';

/**
 * ᾱ at timestep t on the zero-based training grid. Integer t indexes the table; a fractional t
 * (a float-timestep model asked at a fractional time) interpolates log ᾱ linearly. t is clamped to [0, T−1].
 */
export function alphaBarAt(alphasCumprod: ArrayLike<number>, t: number): number {
  const last = alphasCumprod.length - 1;
  const u = Math.min(Math.max(t, 0), last);
  const i = Math.floor(u);
  if (u === i) return alphasCumprod[i];
  const f = u - i;
  return Math.exp((1 - f) * Math.log(alphasCumprod[i]) + f * Math.log(alphasCumprod[i + 1]));
}

/**
 * Turn the network output `prediction` (same layout as `x`) into ε in place, for one ᾱ shared by the batch.
 * Computed in float64 per element. Returns `prediction`.
 */
export function predictionToEpsilon(prediction: Float32Array, x: Float32Array, alphaBar: number, type: PredictionType): Float32Array {
  if (prediction.length !== x.length) {
    throw new Error(`Internal error: prediction has ${prediction.length} values but x has ${x.length}.`);
  }
  const a = Math.sqrt(alphaBar);
  const b = Math.sqrt(1 - alphaBar);
  switch (type) {
    case 'epsilon':
      return prediction;
    case 'v_prediction':
      for (let i = 0; i < x.length; i++) prediction[i] = a * prediction[i] + b * x[i];
      return prediction;
    case 'sample':
      if (!(b > 0)) {
        throw new Error('Cannot turn an x₀ prediction into ε at ᾱ = 1 (no noise left); use a timestep with ᾱ < 1.');
      }
      for (let i = 0; i < x.length; i++) prediction[i] = (x[i] - a * prediction[i]) / b;
      return prediction;
    default:
      throw new Error(`Unknown prediction type "${String(type)}"; expected epsilon, v_prediction or sample.`);
  }
}
