/**
 * The denoising as an animated GIF (gifenc): the frames a run showed, in order, looping, the last one
 * held. Grey frames map their 8-bit levels straight onto a 256-grey palette (exact); RGB frames share
 * one palette quantized from the final frame (the picture the animation settles on). No vscode import.
 */
import { applyPalette, GIFEncoder, quantize, type Palette } from 'gifenc';
import type { FrameData } from '../protocol';

const GREYS: Palette = Array.from({ length: 256 }, (_, v) => [v, v, v]);

function rgba(frame: FrameData): Uint8Array {
  const src = new Uint8Array(frame.pixels);
  const out = new Uint8Array(frame.width * frame.height * 4);
  for (let i = 0, n = frame.width * frame.height; i < n; i++) {
    out.set([src[i * 3], src[i * 3 + 1], src[i * 3 + 2], 255], i * 4);
  }
  return out;
}

/** A looping GIF of `frames` (all the same size); `delayMs` per frame, the last held for `holdMs`. */
export function encodeGif(frames: readonly FrameData[], delayMs = 120, holdMs = 1500): Uint8Array {
  if (frames.length === 0) throw new Error('There are no frames to animate: generate samples first.');
  const { width, height, channels } = frames[0];
  const gif = GIFEncoder();
  const palette = channels === 1 ? GREYS : quantize(rgba(frames.at(-1)!), 256);
  frames.forEach((frame, i) => {
    if (frame.width !== width || frame.height !== height || frame.channels !== channels) {
      throw new Error(`Frame ${i} is ${frame.width}×${frame.height}×${frame.channels}, the first ${width}×${height}×${channels}.`);
    }
    const index = channels === 1 ? new Uint8Array(frame.pixels).slice(0, width * height) : applyPalette(rgba(frame), palette);
    gif.writeFrame(index, width, height, {
      palette: i === 0 ? palette : undefined,
      delay: i === frames.length - 1 ? holdMs : delayMs,
      repeat: 0,
    });
  });
  gif.finish();
  return gif.bytes();
}

/** At most `max` frames, evenly spread and always keeping the first and the last. */
export function pickFrames<T>(frames: readonly T[], max: number): T[] {
  if (frames.length <= max) return [...frames];
  return Array.from({ length: max }, (_, i) => frames[Math.round((i * (frames.length - 1)) / (max - 1))]);
}

/** Frames in an exported animation at most (evenly picked, first and last kept). */
export const MAX_GIF_FRAMES = 150;
/** Frames of a run kept for the export: one per step, thinned to every other one beyond this. */
const MAX_KEPT_FRAMES = 2 * MAX_GIF_FRAMES;

/** The frames of a run, one per step (the last frame of each step), thinned so that memory stays bounded. */
export class FrameRecorder {
  private frames: { step: number; frame: FrameData }[] = [];

  add(step: number, frame: FrameData): void {
    const last = this.frames.at(-1);
    if (last && last.step === step) this.frames[this.frames.length - 1] = { step, frame };
    else this.frames.push({ step, frame });
    if (this.frames.length > MAX_KEPT_FRAMES) this.frames = this.frames.filter((_, i) => i % 2 === 0 || i === this.frames.length - 1);
  }

  get all(): FrameData[] {
    return this.frames.map((f) => f.frame);
  }
}
