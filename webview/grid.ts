/**
 * Drawing on the panel's canvas. A frame is already the tiled grid picture (8-bit grey or RGB, see
 * FrameData in src/protocol.ts); here it only becomes RGBA. The canvas keeps the grid's own size and
 * CSS scales it with `image-rendering: pixelated`, so digits stay crisp.
 */
import type { FrameData } from '../src/protocol';

export function drawFrame(canvas: HTMLCanvasElement, frame: FrameData): void {
  const { width, height, channels } = frame;
  const src = new Uint8Array(frame.pixels);
  if (src.length < width * height * channels)
    throw new Error(`A frame of ${width}×${height}×${channels} came with only ${src.length} bytes.`);
  const ctx = context(canvas, width, height);
  const image = ctx.createImageData(width, height);
  const rgba = image.data;
  for (let i = 0, n = width * height; i < n; i++) {
    const o = i * 4;
    if (channels === 1) {
      rgba[o] = rgba[o + 1] = rgba[o + 2] = src[i];
    } else {
      rgba[o] = src[i * channels];
      rgba[o + 1] = src[i * channels + 1];
      rgba[o + 2] = src[i * channels + 2];
    }
    rgba[o + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** Paint a saved PNG data: URL (the last grid, restored from the webview state). */
export function drawDataUrl(canvas: HTMLCanvasElement, url: string, drawn?: (width: number, height: number) => void): void {
  const img = new Image();
  img.onload = () => {
    context(canvas, img.naturalWidth, img.naturalHeight).drawImage(img, 0, 0);
    drawn?.(img.naturalWidth, img.naturalHeight);
  };
  img.src = url;
}

/** The canvas as a PNG data: URL when it is small enough to keep in the webview state. */
export function snapshot(canvas: HTMLCanvasElement, maxChars = 1_500_000): string | undefined {
  if (canvas.width <= 1) return undefined;
  const url = canvas.toDataURL('image/png');
  return url.length <= maxChars ? url : undefined;
}

function context(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This webview cannot draw on a canvas.');
  return ctx;
}
