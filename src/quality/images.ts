/**
 * Images to score, as float32 [K, C, H, W] in the model's [−1, 1] convention: an .npy of samples (as
 * `pndm sample --out-npy` writes) or a folder of PNG images (0..255 → −1..1, colour → luminance,
 * MNIST's 28×28 digits padded to 32×32 with background like the bundled model's training data).
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { npyToFloat32, readNpy } from '../io';
import type { ImageShape } from '../sampler';

export interface ImageSet {
  readonly data: Float32Array;
  readonly count: number;
}

/** Samples from an .npy file, checked against the size the feature network takes. */
export async function readImageNpy(path: string, shape: ImageShape): Promise<ImageSet> {
  const array = await readNpy(path);
  const want = [shape.channels, shape.height, shape.width];
  const [count, ...chw] = array.shape;
  if (array.shape.length !== 4 || chw.join() !== want.join() || array.dtype === '<i8' || array.dtype === '<i4') {
    throw new Error(
      `${path} holds ${array.dtype} [${array.shape.join(', ')}]; the feature network needs float [K, ${want.join(', ')}] in [-1, 1]`,
    );
  }
  return { data: npyToFloat32(array), count };
}

/** Every .png in a folder (sorted by name), each one image of the network's size (or 28×28 for 32×32). */
export async function readImageFolder(folder: string, shape: ImageShape): Promise<ImageSet> {
  let names: string[];
  try {
    names = (await fs.readdir(folder)).filter((n) => n.toLowerCase().endsWith('.png')).sort();
  } catch (error) {
    throw new Error(`Could not read the folder ${folder}: ${(error as Error).message}`);
  }
  if (names.length === 0) throw new Error(`${folder} holds no .png images; give a folder of images or an .npy`);
  if (shape.channels !== 1 && shape.channels !== 3)
    throw new Error(`PNG images can feed 1- or 3-channel networks; this one takes ${shape.channels}`);
  const perImage = shape.channels * shape.height * shape.width;
  const data = new Float32Array(names.length * perImage);
  for (let k = 0; k < names.length; k++) {
    const path = join(folder, names[k]);
    let png: PNG;
    try {
      png = PNG.sync.read(await fs.readFile(path));
    } catch (error) {
      throw new Error(`${path} is not a readable PNG (${(error as Error).message})`);
    }
    placeImage(png, shape, data.subarray(k * perImage, (k + 1) * perImage), path);
  }
  return { data, count: names.length };
}

/** One decoded RGBA image into [C, H, W] at −1..1, centred with background padding when smaller. */
function placeImage(png: PNG, shape: ImageShape, out: Float32Array, path: string): void {
  const pad = (shape.height - png.height) / 2;
  const fits = png.width === shape.width && png.height === shape.height;
  const mnist = png.width === 28 && png.height === 28 && shape.width === 32 && shape.height === 32;
  if (!fits && !mnist) {
    throw new Error(
      `${path} is ${png.width}×${png.height}; the feature network takes ${shape.width}×${shape.height} images (or 28×28 MNIST digits for 32×32)`,
    );
  }
  out.fill(-1);
  const plane = shape.height * shape.width;
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const at = (y * png.width + x) * 4;
      const target = (y + pad) * shape.width + (x + pad);
      const rgb = [png.data[at], png.data[at + 1], png.data[at + 2]];
      if (shape.channels === 1) {
        const grey = rgb[0] === rgb[1] && rgb[1] === rgb[2] ? rgb[0] : 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
        out[target] = (grey / 255) * 2 - 1;
      } else {
        for (let c = 0; c < 3; c++) out[c * plane + target] = (rgb[c] / 255) * 2 - 1;
      }
    }
  }
}
