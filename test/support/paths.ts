import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest folder above the working directory with models/mnist_ddpm.onnx. */
export function repoRoot(): string {
  let dir = process.cwd();
  while (!existsSync(join(dir, 'models', 'mnist_ddpm.onnx'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('Run the tests from inside the repository (models/mnist_ddpm.onnx not found).');
    dir = up;
  }
  return dir;
}

export const bundledModel = (): string => join(repoRoot(), 'models', 'mnist_ddpm.onnx');

/** A reference file kept in the repository (test/fixtures/reference: the independent reference samples and diffusers' outputs). */
export function referenceFile(name: string): string {
  return resolve(repoRoot(), 'test', 'fixtures', 'reference', name);
}
