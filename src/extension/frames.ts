/**
 * Turning a state [count, C, H, W] into a frame for the panel: the grid picture of src/runner/png.ts
 * (same layout as the saved PNG), 8-bit. Runs in the worker, so neither the extension host nor the
 * webview handles float data. No vscode import.
 */
import type { FrameData, RunProgress } from '../protocol';
import type { ImageShape } from '../sampler';
import { tileGrid } from '../runner/png';

/** Models with neither 1 nor 3 channels show their first three channels (or the first one) in the panel. */
export function displayable(x: Float32Array, count: number, shape: ImageShape): { x: Float32Array; shape: ImageShape } {
  const { channels, height, width } = shape;
  if (channels === 1 || channels === 3) return { x, shape };
  const keep = channels > 3 ? 3 : 1;
  const plane = height * width;
  const out = new Float32Array(count * keep * plane);
  for (let k = 0; k < count; k++) out.set(x.subarray(k * channels * plane, (k * channels + keep) * plane), k * keep * plane);
  return { x: out, shape: { channels: keep, height, width } };
}

/** The grid picture of `count` images; its `pixels` buffer is fresh, ready to transfer. */
export function makeFrame(x: Float32Array, count: number, shape: ImageShape): FrameData {
  const shown = displayable(x, count, shape);
  const grid = tileGrid(shown.x, count, shown.shape);
  const pixels =
    grid.pixels.byteOffset === 0 && grid.pixels.byteLength === grid.pixels.buffer.byteLength ? grid.pixels : grid.pixels.slice();
  return { pixels: pixels.buffer as ArrayBuffer, count, channels: grid.channels, height: grid.height, width: grid.width };
}

/** Step i/N, calls, calls per second and the time left, from what the run has done so far. */
export function progressOf(
  step: number,
  steps: number,
  nfe: number,
  fraction: number,
  elapsedMs: number,
  expectedNfe: number | undefined,
  provider: string,
): RunProgress {
  const seconds = Math.max(elapsedMs / 1000, 1e-6);
  const itPerSecond = nfe / seconds;
  let secondsLeft: number;
  if (expectedNfe !== undefined && itPerSecond > 0) secondsLeft = Math.max(expectedNfe - nfe, 0) / itPerSecond;
  else secondsLeft = fraction > 0 ? (seconds * (1 - fraction)) / fraction : -1;
  return { step, steps, nfe, progress: fraction, itPerSecond, secondsLeft, provider };
}
