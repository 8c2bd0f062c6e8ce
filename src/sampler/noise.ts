import type { NoiseSource } from './types';

/**
 * Seeded standard normal noise, the same on every platform:
 * - image k of a run has its own stream, so a sample does not depend on the batch size or on how
 *   many images are drawn with it;
 * - the stream's state is xoshiro128** (Blackman & Vigna) seeded with four outputs of splitmix32
 *   (state += 0x9E3779B9, output = MurmurHash3 fmix32(state)) started at seed·0x9E3779B1 ⊕ k·0x85EBCA6B,
 *   all 32-bit;
 * - normals by Box–Muller: u₁ = (a + 1)/2³², u₂ = b/2³² from two consecutive outputs,
 *   z₀ = √(−2 ln u₁)·cos(2πu₂), z₁ = √(−2 ln u₁)·sin(2πu₂), used in that order, rounded to float32.
 * The first C·H·W values of image k's stream are its initial noise x_T; stochastic samplers continue
 * the same stream.
 */
export class SeededNoise implements NoiseSource {
  private readonly streams = new Map<number, Xoshiro128>();

  constructor(readonly seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new Error(`The seed must be a whole number from 0 to 4294967295, got ${seed}.`);
    }
  }

  fill(image: number, out: Float32Array): void {
    let stream = this.streams.get(image);
    if (!stream) {
      stream = new Xoshiro128(Math.imul(this.seed, 0x9e3779b1) ^ Math.imul(image, 0x85ebca6b));
      this.streams.set(image, stream);
    }
    for (let i = 0; i < out.length; i++) out[i] = stream.normal();
  }
}

/** Initial noise x_T for `count` images of `perImage` values each. */
export function initialNoise(noise: NoiseSource, count: number, perImage: number): Float32Array {
  const x = new Float32Array(count * perImage);
  for (let k = 0; k < count; k++) noise.fill(k, x.subarray(k * perImage, (k + 1) * perImage));
  return x;
}

class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  constructor(seed: number) {
    let state = seed >>> 0;
    const splitmix32 = () => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix32();
    this.s1 = splitmix32();
    this.s2 = splitmix32();
    this.s3 = splitmix32();
  }

  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  normal(): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return z;
    }
    const u1 = (this.next() + 1) / 4294967296;
    const u2 = this.next() / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = Math.fround(r * Math.sin(2 * Math.PI * u2));
    return Math.fround(r * Math.cos(2 * Math.PI * u2));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
