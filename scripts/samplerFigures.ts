/** Figures for judging samples without a classifier, shared by `npm run measure:samplers` and the tests. */

/**
 * The spread (standard deviation) of the pixels below 0: the "background" of MNIST-like samples, which a
 * sampler that adds too much noise leaves grainy.
 */
export function backgroundSpread(x: ArrayLike<number>): number {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < 0) {
      n++;
      sum += x[i];
      sumSq += x[i] * x[i];
    }
  }
  if (n < 2) return NaN;
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sumSq / n - mean * mean));
}

/** Root mean square of a − b. */
export function rmsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum / a.length);
}
