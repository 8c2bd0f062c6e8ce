/**
 * The zoom on one sample: click an image in the grid (or Enter on the focused grid) to see it large,
 * pixelated, with its index; ← and → move to the neighbours. "Re-sample this image" asks the host to
 * run it again on its own and shows the result and its denoising strip; "Export GIF" exports that strip.
 */
import { MessageType, type FrameData, type ImageResampledMessage } from '../src/protocol';
import { drawFrame } from './grid';
import { imageAt, tileOrigin, toGridPixels, type GridGeometry } from './gridLayout';
import { send } from './state';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const dialog = $<HTMLDialogElement>('zoom');
const zoomCanvas = $<HTMLCanvasElement>('zoom-canvas');
let geometry: GridGeometry | undefined;
let current = 0;

/** The grid now on the canvas (undefined: none, or not known after a reload). */
export function setGeometry(g: GridGeometry | undefined): void {
  geometry = g;
  if (!g && dialog.open) dialog.close();
}

export function currentGeometry(): GridGeometry | undefined {
  return geometry;
}

function show(index: number): void {
  const grid = $<HTMLCanvasElement>('grid');
  if (!geometry) return;
  current = (index + geometry.count) % geometry.count;
  const tile = tileOrigin(geometry, current);
  zoomCanvas.width = tile.width;
  zoomCanvas.height = tile.height;
  zoomCanvas.getContext('2d')?.drawImage(grid, tile.x, tile.y, tile.width, tile.height, 0, 0, tile.width, tile.height);
  const label = `Sample ${current + 1} of ${geometry.count}`;
  $('zoom-title').textContent = label;
  zoomCanvas.setAttribute('aria-label', `${label}, enlarged`);
  $('zoom-result').textContent = '';
  $('strip').replaceChildren();
  document.body.dataset.zoomed = String(current);
  if (!dialog.open) dialog.showModal();
}

const PENDING = 'Re-sampling…';

/** A notice from the host while a re-sample waits (e.g. refused because a run is going) replaces "Re-sampling…". */
export function zoomNotice(text: string): void {
  if (dialog.open && $('zoom-result').textContent === PENDING) $('zoom-result').textContent = text;
}

/** How the re-sampled image compares with the one in the grid, in words. */
function comparison(message: ImageResampledMessage): string {
  if (message.maxAbsDiff !== undefined) {
    return message.maxAbsDiff === 0
      ? "identical to the grid's image (max |Δ| = 0)."
      : `differs from the grid's image by at most ${message.maxAbsDiff.toExponential(2)}.`;
  }
  // a run from the history: only its picture is kept, so compare the 8-bit pixels
  const levels = maxLevelDifference(message.image, zoomCanvas);
  return levels === 0
    ? "identical to the kept picture's image at 8 bits (max |Δ| = 0/255)."
    : `differs from the kept picture's image by up to ${levels}/255 grey levels.`;
}

/** Largest difference, in 8-bit levels, between a frame of one image and the RGBA pixels on `canvas`. */
function maxLevelDifference(frame: FrameData, canvas: HTMLCanvasElement): number {
  const { width, height, channels } = frame;
  if (canvas.width !== width || canvas.height !== height) return 255;
  const src = new Uint8Array(frame.pixels);
  const rgba = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
  let max = 0;
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < Math.min(channels, 3); c++) {
      const shown = rgba[i * 4 + (channels === 1 ? 0 : c)];
      max = Math.max(max, Math.abs(src[i * channels + c] - shown));
    }
  }
  return max;
}

export function resampled(message: ImageResampledMessage): void {
  if (!dialog.open || message.index !== current) return;
  $('zoom-result').textContent = `Re-sampled on its own (${message.nfe} model calls): ` + comparison(message);
  const shown =
    message.strip.length > 40
      ? message.strip.filter((_, i, all) => i % Math.ceil(all.length / 40) === 0 || i === all.length - 1)
      : message.strip;
  $('strip').replaceChildren(
    ...shown.map((frame: FrameData, i) => {
      const c = document.createElement('canvas');
      drawFrame(c, frame);
      c.setAttribute('role', 'listitem');
      c.setAttribute('aria-label', i === 0 ? 'x_T, the starting noise' : i === shown.length - 1 ? 'the final image' : `x̂₀ after a step`);
      return c;
    }),
  );
  document.body.dataset.strip = String(message.strip.length);
}

export function setupZoom(): void {
  const grid = $<HTMLCanvasElement>('grid');
  grid.addEventListener('click', (e) => {
    if (!geometry) return;
    const p = toGridPixels(e.clientX, e.clientY, grid.getBoundingClientRect(), geometry);
    const index = imageAt(geometry, p.x, p.y);
    if (index !== undefined) show(index);
  });
  grid.addEventListener('keydown', (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && geometry) {
      e.preventDefault();
      show(0);
    }
  });
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight') show(current + 1);
    if (e.key === 'ArrowLeft') show(current - 1);
  });
  dialog.addEventListener('close', () => delete document.body.dataset.zoomed);
  $('zoom-prev').addEventListener('click', () => show(current - 1));
  $('zoom-next').addEventListener('click', () => show(current + 1));
  $('zoom-close').addEventListener('click', () => dialog.close());
  $('resample').addEventListener('click', () => {
    $('zoom-result').textContent = PENDING;
    send({ type: MessageType.ResampleImage, index: current });
  });
  $('export-image-gif').addEventListener('click', () => send({ type: MessageType.ExportAnimation, index: current }));
}
