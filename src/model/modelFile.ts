/**
 * Checks that a model path names a readable ONNX file before onnxruntime sees it, so that a wrong
 * path, a folder, an empty file or a file of another kind gets a message saying what was wrong and
 * what to do instead of onnxruntime's "Protobuf parsing failed".
 */
import { closeSync, openSync, readSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { NotOnnxError, readOnnxHeader, type OnnxHeader } from './onnxHeader';

/** Validate `path` and read its ONNX header (metadata_props, opsets). Throws an Error with a clear message. */
export function inspectModelFile(path: string): OnnxHeader {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new Error(`Model file not found: ${path}. Check the path, or choose an existing .onnx file.`);
    }
    throw accessError(path, error);
  }
  if (stats.isDirectory()) {
    const inside = onnxFilesIn(path);
    throw new Error(
      `${path} is a folder, not an .onnx file. ` +
        (inside.length
          ? `Choose the model file inside it: ${inside.map((f) => join(path, f)).join(', ')}.`
          : 'Choose the .onnx file itself (for a diffusers export, unet/model.onnx).'),
    );
  }
  if (!stats.isFile()) throw new Error(`${path} is not a regular file; choose an .onnx model file.`);
  if (stats.size === 0) {
    throw new Error(`The model file ${path} is empty (0 bytes); the download or export probably failed. Export or download it again.`);
  }
  let kind: string | undefined;
  try {
    kind = sniff(path);
  } catch (error) {
    throw accessError(path, error);
  }
  if (kind) throw new Error(`${path} is not an ONNX model: ${kind}`);
  try {
    return readOnnxHeader(path);
  } catch (error) {
    if (error instanceof NotOnnxError) {
      throw new Error(
        `${path} is not an ONNX model (it does not parse as an ONNX ModelProto: ${error.message}). ` +
          'Choose an .onnx file, e.g. one exported with torch.onnx.export or optimum-cli export onnx.',
      );
    }
    if ((error as NodeJS.ErrnoException).code) throw accessError(path, error);
    throw new Error(`Cannot read the model file ${path}: ${(error as Error).message}`);
  }
}

/** A file that exists but cannot be read: permissions say what to do; anything else is named as it is. */
function accessError(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') {
    return new Error(
      `Permission denied: cannot read the model file ${path} (${code}). ` +
        'Give your user read access to it and to its folders (e.g. chmod a+r), or copy the model somewhere you can read.',
      { cause: error },
    );
  }
  return new Error(`Cannot access the model file ${path}: ${(error as Error).message}. Check the path, or choose another .onnx file.`, {
    cause: error,
  });
}

/** .onnx files directly in `folder`, or in its diffusers-style `unet/` subfolder. */
function onnxFilesIn(folder: string): string[] {
  const list = (dir: string, prefix: string) => {
    try {
      return readdirSync(dir)
        .filter((f) => f.toLowerCase().endsWith('.onnx'))
        .map((f) => prefix + f);
    } catch {
      return [];
    }
  };
  return [...list(folder, ''), ...list(join(folder, 'unet'), 'unet/')].slice(0, 5);
}

/** Recognise common files that are mistaken for ONNX models; undefined when none matches. */
function sniff(path: string): string | undefined {
  const head = Buffer.alloc(64);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const text = head.subarray(0, n).toString('latin1');
  if (text.startsWith('version https://git-lfs')) {
    return 'it is a Git LFS pointer file, not the model itself. Run `git lfs pull` (or download the real file) and try again.';
  }
  if (text.startsWith('PK\x03\x04')) {
    return 'it is a zip archive (a PyTorch .pt/.pth checkpoint?). Export the network to ONNX first (torch.onnx.export).';
  }
  if (/^\s*</.test(text)) return 'it is an HTML/XML page (a failed download?). Download the .onnx file again.';
  if (n >= 9 && head[8] === 0x7b && head.readUInt32LE(4) === 0) {
    return 'it looks like a .safetensors file. Export the network to ONNX first (e.g. optimum-cli export onnx).';
  }
  return undefined;
}
