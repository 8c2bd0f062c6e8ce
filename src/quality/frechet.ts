/**
 * Fréchet distance between two Gaussians (Dowson & Landau 1982; the "FID" of Heusel et al. 2017 when
 * the Gaussians are fitted to Inception features):
 *   FD = |μ₁ − μ₂|² + tr Σ₁ + tr Σ₂ − 2 tr((Σ₂^{1/2} Σ₁ Σ₂^{1/2})^{1/2}).
 * The trace term is computed from two symmetric eigen-decompositions (cyclic Jacobi, float64), which
 * stays real and accurate for the singular covariances of few samples, where a general sqrtm of the
 * non-symmetric Σ₁Σ₂ (as pytorch-fid does) needs an ε-regularisation and drops an imaginary part.
 * Pure TypeScript: no onnxruntime, no Node built-ins.
 */

/** Mean and covariance of d-dimensional features; `sigma` is d×d row-major. */
export interface GaussianStats {
  readonly mu: Float64Array;
  readonly sigma: Float64Array;
  /** How many feature vectors the stats were fitted to, when known. */
  readonly n?: number;
}

/** Accumulates features row by row (shards, batches) into a mean and an unbiased (ddof = 1) covariance. */
export class StatsAccumulator {
  private count = 0;
  private readonly mean: Float64Array;
  /** Σ (x − mean)(x − mean)ᵀ, updated with Welford's algorithm so large offsets do not cancel. */
  private readonly m2: Float64Array;

  constructor(readonly dim: number) {
    this.mean = new Float64Array(dim);
    this.m2 = new Float64Array(dim * dim);
  }

  /** Add `rows` feature vectors stored one after another in `features`. */
  add(features: ArrayLike<number>, rows = features.length / this.dim): void {
    const d = this.dim;
    if (!Number.isInteger(rows) || rows * d !== features.length) {
      throw new Error(`${features.length} feature values are not whole ${d}-dimensional vectors.`);
    }
    const before = new Float64Array(d);
    for (let r = 0; r < rows; r++) {
      this.count++;
      for (let i = 0; i < d; i++) {
        const x = features[r * d + i];
        before[i] = x - this.mean[i];
        this.mean[i] += before[i] / this.count;
      }
      for (let i = 0; i < d; i++) {
        const after = features[r * d + i] - this.mean[i];
        const row = i * d;
        for (let j = 0; j < d; j++) this.m2[row + j] += before[j] * after;
      }
    }
  }

  stats(): GaussianStats {
    if (this.count < 2) throw new Error(`A covariance needs at least 2 samples; got ${this.count}.`);
    const sigma = new Float64Array(this.dim * this.dim);
    for (let i = 0; i < this.dim; i++) {
      for (let j = 0; j < this.dim; j++)
        sigma[i * this.dim + j] = (this.m2[i * this.dim + j] + this.m2[j * this.dim + i]) / (2 * (this.count - 1));
    }
    return { mu: Float64Array.from(this.mean), sigma, n: this.count };
  }
}

/** Mean and covariance (ddof = 1) of `rows` vectors of `dim` values. */
export function gaussianStats(features: ArrayLike<number>, dim: number): GaussianStats {
  const acc = new StatsAccumulator(dim);
  acc.add(features);
  return acc.stats();
}

/**
 * Eigen-decomposition of a symmetric n×n matrix (row-major) by cyclic Jacobi rotations:
 * A = V diag(values) Vᵀ, eigenvectors in V's columns. Converges quadratically; 64–2048 dims are fine.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  if (matrix.length !== n * n) throw new Error(`A ${n}×${n} matrix needs ${n * n} values; got ${matrix.length}.`);
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += a[i] * a[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off <= 1e-30 * scale || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // rotation angle that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.2)
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/** The symmetric square root of a positive semi-definite matrix (negative round-off eigenvalues → 0). */
export function sqrtPsd(matrix: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const root = Math.sqrt(Math.max(values[k], 0));
    if (root === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k] * root;
      for (let j = 0; j < n; j++) out[i * n + j] += vik * vectors[j * n + k];
    }
  }
  return out;
}

/** C = A·B for n×n row-major matrices. */
function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
  return c;
}

/** Fréchet distance between two Gaussians of the same dimension (see the file comment). */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  const n = a.mu.length;
  if (b.mu.length !== n || a.sigma.length !== n * n || b.sigma.length !== n * n) {
    throw new Error(
      `The two sets of statistics have different dimensions (${a.mu.length} and ${b.mu.length} features); ` +
        'compute both with the same feature network and output.',
    );
  }
  let meanTerm = 0;
  let traces = 0;
  for (let i = 0; i < n; i++) {
    meanTerm += (a.mu[i] - b.mu[i]) ** 2;
    traces += a.sigma[i * n + i] + b.sigma[i * n + i];
  }
  const root = sqrtPsd(b.sigma, n);
  const middle = multiply(multiply(root, Float64Array.from(a.sigma), n), root, n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) middle[i * n + j] = middle[j * n + i] = (middle[i * n + j] + middle[j * n + i]) / 2;
  }
  const { values } = symmetricEigen(middle, n);
  let traceRoot = 0;
  for (const value of values) traceRoot += Math.sqrt(Math.max(value, 0));
  if (![meanTerm, traces, traceRoot].every(Number.isFinite)) {
    throw new Error('The statistics hold NaN or Inf; check the features (were the samples finite?).');
  }
  // equal statistics can round to a hair below zero; a distance is never negative
  return Math.max(0, meanTerm + traces - 2 * traceRoot);
}
