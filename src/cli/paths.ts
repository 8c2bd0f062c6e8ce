import { join } from 'node:path';

/** The model shipped with the package: dist/cli.js → ../models/mnist_ddpm.onnx. */
export function bundledModelPath(): string {
  return join(__dirname, '..', 'models', 'mnist_ddpm.onnx');
}
