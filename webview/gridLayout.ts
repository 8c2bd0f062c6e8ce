/**
 * Where the images sit in a grid picture (the layout of src/runner/png.ts tileGrid: ⌈√count⌉
 * columns, 2-pixel gaps, no border), and which image a point on the scaled canvas falls on. Pure.
 */
export const GAP = 2;

export interface GridGeometry {
  readonly count: number;
  /** Size of the whole grid picture, pixels. */
  readonly width: number;
  readonly height: number;
}

export function layoutOf(g: GridGeometry): { cols: number; rows: number; tileWidth: number; tileHeight: number } {
  const cols = Math.ceil(Math.sqrt(g.count));
  const rows = Math.ceil(g.count / cols);
  return { cols, rows, tileWidth: (g.width - (cols - 1) * GAP) / cols, tileHeight: (g.height - (rows - 1) * GAP) / rows };
}

/** The image index at grid pixel (x, y), or undefined on a gap, outside, or past the last image. */
export function imageAt(g: GridGeometry, x: number, y: number): number | undefined {
  const { cols, rows, tileWidth, tileHeight } = layoutOf(g);
  const col = Math.floor(x / (tileWidth + GAP));
  const row = Math.floor(y / (tileHeight + GAP));
  if (x < 0 || y < 0 || col >= cols || row >= rows) return undefined;
  if (x - col * (tileWidth + GAP) >= tileWidth || y - row * (tileHeight + GAP) >= tileHeight) return undefined;
  const index = row * cols + col;
  return index < g.count ? index : undefined;
}

/** The top-left corner of image `index` in the grid picture. */
export function tileOrigin(g: GridGeometry, index: number): { x: number; y: number; width: number; height: number } {
  const { cols, tileWidth, tileHeight } = layoutOf(g);
  return { x: (index % cols) * (tileWidth + GAP), y: Math.floor(index / cols) * (tileHeight + GAP), width: tileWidth, height: tileHeight };
}

/** Canvas client coordinates → grid pixels, for a canvas scaled with object-fit: contain at the top left. */
export function toGridPixels(
  clientX: number,
  clientY: number,
  box: { left: number; top: number; width: number; height: number },
  g: GridGeometry,
): { x: number; y: number } {
  const scale = Math.min(box.width / g.width, box.height / g.height);
  return { x: (clientX - box.left) / scale, y: (clientY - box.top) / scale };
}
