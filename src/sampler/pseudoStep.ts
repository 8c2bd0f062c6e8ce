/**
 * The transfer every method is built on, and float32 elementwise arithmetic done the way the reference
 * does it: coefficients are computed in float64, rounded to float32, and every operation on a tensor
 * element is rounded to float32 once (Math.fround; a Float32Array store rounds the last one).
 */

/**
 * PNDM's pseudo step φ(x, ε, t → t′) (Liu et al. 2022, eq. 9), the DDIM (η = 0) step in a numerically
 * stable form: φ = √(ᾱ′/ᾱ)·x − (ᾱ′ − ᾱ) / (√ᾱ·(√((1−ᾱ′)ᾱ) + √((1−ᾱ)ᾱ′)))·ε.
 */
export function pseudoStep(x: Float32Array, eps: Float32Array, alphaBar: number, alphaBarNext: number): Float32Array {
  const a = Math.fround(Math.sqrt(alphaBarNext / alphaBar));
  const b = Math.fround(
    (alphaBarNext - alphaBar) /
      (Math.sqrt(alphaBar) * (Math.sqrt((1 - alphaBarNext) * alphaBar) + Math.sqrt((1 - alphaBar) * alphaBarNext))),
  );
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.fround(a * x[i]) - Math.fround(b * eps[i]);
  return out;
}

/** The clean image the model's ε implies at t: x̂₀ = (x − √(1−ᾱ)·ε)/√ᾱ. */
export function predictX0(x: Float32Array, eps: Float32Array, alphaBar: number): Float32Array {
  const s = Math.fround(Math.sqrt(1 - alphaBar));
  const inv = Math.sqrt(alphaBar);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.fround(x[i] - Math.fround(s * eps[i])) / inv;
  return out;
}

/** x̂₀ clipped to [−range, range] in place (diffusers' clip_sample); returns x0. */
export function clipInPlace(x0: Float32Array, range: number): Float32Array {
  for (let i = 0; i < x0.length; i++) x0[i] = Math.min(range, Math.max(-range, x0[i]));
  return x0;
}

/**
 * The ε that points at the clipped x̂₀: ε′ = (x − √ᾱ·clip(x̂₀))/√(1−ᾱ), as diffusers' DDIM re-derives it
 * after clip_sample, so that a step with ε′ lands on the clipped prediction.
 */
export function epsOfClippedX0(x: Float32Array, eps: Float32Array, alphaBar: number, range: number): Float32Array {
  const x0 = clipInPlace(predictX0(x, eps, alphaBar), range);
  const a = Math.fround(Math.sqrt(alphaBar));
  const inv = Math.sqrt(1 - alphaBar);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.fround(x[i] - Math.fround(a * x0[i])) / inv;
  return out;
}

/**
 * Σ_k coefficients[k]·terms[k], then ÷ divisor, left to right with one float32 rounding per operation,
 * e.g. the Adams–Bashforth combination (55e₀ − 59e₋₁ + 37e₋₂ − 9e₋₃)/24.
 */
export function combine(coefficients: readonly number[], terms: readonly Float32Array[], divisor = 1): Float32Array {
  const n = terms[0].length;
  const out = new Float32Array(n);
  const c = coefficients.map(Math.fround);
  for (let i = 0; i < n; i++) {
    let acc = Math.fround(c[0] * terms[0][i]);
    for (let k = 1; k < terms.length; k++) acc = Math.fround(acc + Math.fround(c[k] * terms[k][i]));
    out[i] = divisor === 1 ? acc : acc / divisor;
  }
  return out;
}

/** x + h·k, one rounding per operation. */
export function addScaled(x: Float32Array, h: number, k: Float32Array): Float32Array {
  const hf = Math.fround(h);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + Math.fround(hf * k[i]);
  return out;
}

/** a − b elementwise. */
export function subtract(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

/** Index of the first NaN or ±Inf, or −1. */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}
