import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GifReader } from 'omggif';
import { encodeGif, FrameRecorder, MAX_GIF_FRAMES, pickFrames } from '../../src/extension/animation';
import type { FrameData } from '../../src/protocol';

const grey = (width: number, height: number, f: (x: number, y: number) => number): FrameData => {
  const p = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) p[y * width + x] = f(x, y);
  return { pixels: p.buffer, count: 1, channels: 1, width, height };
};

test('a grey animation decodes to exactly its frames, looping, the last frame held', () => {
  const frames = [0, 1, 2].map((k) => grey(6, 4, (x, y) => (x * 40 + y * 10 + k * 70) % 256));
  const gif = encodeGif(frames, 100, 1500);
  assert.equal(Buffer.from(gif.subarray(0, 6)).toString('latin1'), 'GIF89a');
  const reader = new GifReader(gif);
  assert.deepEqual([reader.width, reader.height, reader.numFrames(), reader.loopCount()], [6, 4, 3, 0]);
  assert.deepEqual(
    [0, 1, 2].map((i) => reader.frameInfo(i).delay),
    [10, 10, 150],
  ); // hundredths of a second
  for (let i = 0; i < 3; i++) {
    const rgba = new Uint8Array(6 * 4 * 4);
    reader.decodeAndBlitFrameRGBA(i, rgba);
    const want = new Uint8Array(frames[i].pixels);
    for (let p = 0; p < 24; p++)
      assert.deepEqual([...rgba.subarray(p * 4, p * 4 + 4)], [want[p], want[p], want[p], 255], `frame ${i} pixel ${p}`);
  }
});

test('an RGB animation decodes close to its colours; frames of another size and no frames are refused', () => {
  const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
  const frame: FrameData = { pixels: rgb.buffer, count: 1, channels: 3, width: 2, height: 2 };
  const reader = new GifReader(encodeGif([frame, frame]));
  const out = new Uint8Array(16);
  reader.decodeAndBlitFrameRGBA(1, out);
  for (let p = 0; p < 4; p++)
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(out[p * 4 + c] - rgb[p * 3 + c]) <= 8, `pixel ${p} channel ${c}`);
  assert.throws(() => encodeGif([grey(2, 2, () => 0), grey(3, 2, () => 0)]), /Frame 1 is 3×2×1, the first 2×2×1/);
  assert.throws(() => encodeGif([]), /There are no frames to animate: generate samples first\./);
});

test('pickFrames keeps the first and last and spreads the rest; the recorder keeps one frame per step, bounded', () => {
  assert.deepEqual(pickFrames([1, 2, 3], 5), [1, 2, 3]);
  assert.deepEqual(pickFrames([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3), [0, 5, 10]);
  const r = new FrameRecorder();
  const f = (k: number) => grey(1, 1, () => k);
  r.add(-1, f(0));
  r.add(0, f(1));
  r.add(1, f(2));
  r.add(1, f(3)); // the same step again: the later frame replaces it
  assert.deepEqual(
    r.all.map((x) => new Uint8Array(x.pixels)[0]),
    [0, 1, 3],
  );
  const long = new FrameRecorder();
  for (let step = 0; step < 5000; step++) long.add(step, f(step % 256));
  assert.ok(long.all.length <= 2 * MAX_GIF_FRAMES && long.all.length >= MAX_GIF_FRAMES / 2, String(long.all.length));
  assert.equal(new Uint8Array(long.all[0].pixels)[0], 0, 'the first frame is kept');
  assert.equal(new Uint8Array(long.all.at(-1)!.pixels)[0], 4999 % 256, 'the last frame is kept');
});
