import { odeAlphaBar } from './alphas';
import type { SamplerContext } from './context';
import type { MethodOptions } from './options';
import { predictX0 } from './pseudoStep';

/**
 * The probability-flow ODE (Song et al. 2021) in DDIM's variables (Song, Meng & Ermon 2021, eq. 14):
 * with x̄ = x/√ᾱ and σ = √((1−ᾱ)/ᾱ), dx̄/dσ = ε(x̄/√(1+σ²), t(σ)); a DDIM step is one Euler step of it.
 * Solved from t = T−1, the noise x_T was drawn for, to the clean end (ᾱ(−1) of the final-step convention)
 * with the Dormand–Prince 5(4) embedded Runge–Kutta pair (FSAL, 6 new calls per attempted step), error
 * control in x-space on the RMS of err/(tol + tol·|x|) ≤ 1 and the usual safety-factor step update.
 * The grid (--steps, spacing) is ignored: the tolerance alone sets the accuracy, so every N gives the same
 * samples. ᾱ between integer timesteps is interpolated linearly in log ᾱ, with the ODE's ᾱ(−1) = 1; the
 * model is asked for the (fractional) t ≥ 0.
 */
export async function samplePf(ctx: SamplerContext, xT: Float32Array, options: MethodOptions): Promise<Float32Array> {
  const path = new SigmaPath(ctx);
  const sigmaStart = path.sigmaAt(ctx.lastTimestep);
  const sigmaEnd = Math.sqrt(1 / ctx.alphaBar(-1) - 1);
  const n = xT.length;
  const tol = options.tolerance;
  let step = 0;
  const rhs = (xbar: Float64Array, sigma: number, t = Math.max(0, path.timeAt(sigma))) => {
    const scale = 1 / Math.sqrt(1 + sigma * sigma);
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = xbar[i] * scale;
    return ctx.eps(x, t, step);
  };

  let sigma = sigmaStart;
  let xbar = Float64Array.from(xT, (v) => v * Math.sqrt(1 + sigma * sigma));
  let k1 = await rhs(xbar, sigma, ctx.lastTimestep);
  let h = -(sigmaStart - sigmaEnd) * 0.05;
  const maxSteps = 10000;
  while (sigma > sigmaEnd) {
    if (step >= maxSteps) {
      throw new Error(`The probability-flow solver took ${maxSteps} steps without finishing; loosen its tolerance (now ${tol}).`);
    }
    const last = sigma + h <= sigmaEnd;
    if (last) h = sigmaEnd - sigma;
    const ks: Float32Array[] = [k1];
    const stage = (row: readonly number[]) => {
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let acc = xbar[i];
        for (let j = 0; j < row.length; j++) acc += h * row[j] * ks[j][i];
        y[i] = acc;
      }
      return y;
    };
    for (let s = 1; s < 6; s++) ks.push(await rhs(stage(DP_A[s]), sigma + DP_C[s] * h));
    const xNew = stage(DP_B);
    const sigmaNew = last ? sigmaEnd : sigma + h;
    const kNew = await rhs(xNew, sigmaNew);
    ks.push(kNew);
    // embedded error estimate, measured in x = x̄/√(1+σ²)
    const toX = 1 / Math.sqrt(1 + sigmaNew * sigmaNew);
    const toXOld = 1 / Math.sqrt(1 + sigma * sigma);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      let err = 0;
      for (let j = 0; j < 7; j++) err += DP_E[j] * ks[j][i];
      const scale = tol + tol * Math.max(Math.abs(xbar[i] * toXOld), Math.abs(xNew[i] * toX));
      sum += ((h * err * toX) / scale) ** 2;
    }
    const errNorm = Math.sqrt(sum / n);
    if (errNorm <= 1) {
      const xBefore = toFloat32(xbar, toXOld);
      const epsBefore = k1;
      const tBefore = step === 0 ? ctx.lastTimestep : path.timeAt(sigma);
      sigma = sigmaNew;
      xbar = xNew;
      k1 = kNew;
      const x = toFloat32(xbar, toX);
      const tNow = path.timeAt(sigma);
      const progress = (sigmaStart - sigma) / (sigmaStart - sigmaEnd);
      await ctx.report(step, tBefore, tNow, x, predictX0(xBefore, epsBefore, path.alphaBarAt(tBefore)), progress);
      step++;
    }
    const factor = errNorm === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * errNorm ** -0.2));
    h *= factor;
  }
  return toFloat32(xbar, 1 / Math.sqrt(1 + sigma * sigma));
}

function toFloat32(xbar: Float64Array, scale: number): Float32Array {
  const x = new Float32Array(xbar.length);
  for (let i = 0; i < x.length; i++) x[i] = xbar[i] * scale;
  return x;
}

/** σ(t) and its inverse, with log ᾱ linear between integer timesteps and the ODE's ᾱ(−1) = 1. */
class SigmaPath {
  private readonly logAlphaBar: Float64Array; // index t + 1, t = −1..T−1

  constructor(ctx: SamplerContext) {
    const top = ctx.lastTimestep;
    this.logAlphaBar = new Float64Array(top + 2);
    for (let t = -1; t <= top; t++) this.logAlphaBar[t + 1] = Math.log(odeAlphaBar(ctx, t));
  }

  alphaBarAt(t: number): number {
    const i = Math.min(Math.max(Math.floor(t) + 1, 0), this.logAlphaBar.length - 2);
    const f = t + 1 - i;
    return Math.exp(this.logAlphaBar[i] + f * (this.logAlphaBar[i + 1] - this.logAlphaBar[i]));
  }

  sigmaAt(t: number): number {
    return Math.sqrt(1 / this.alphaBarAt(t) - 1);
  }

  /** The t whose σ is `sigma` (log ᾱ = −log(1 + σ²)), by bisection over the table then linear inside. */
  timeAt(sigma: number): number {
    const target = -Math.log1p(sigma * sigma);
    const L = this.logAlphaBar;
    if (target >= L[0]) return -1;
    let lo = 0;
    let hi = L.length - 1;
    if (target <= L[hi]) return hi - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (L[mid] > target) lo = mid;
      else hi = mid;
    }
    return lo - 1 + (target - L[lo]) / (L[hi] - L[lo]);
  }
}

// Dormand–Prince 5(4) tableau (Hairer, Nørsett & Wanner, table 5.2).
const DP_C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1];
const DP_A: readonly (readonly number[])[] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
];
const DP_B = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84];
/** b − b̂ (fifth minus fourth order weights), seven stages with the FSAL one. */
const DP_E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];
