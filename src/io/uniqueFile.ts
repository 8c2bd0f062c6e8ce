/**
 * Writing a new file that never replaces an existing one: the data is first written completely to a
 * hidden temporary file (writeFileAtomic), then hard-linked to `name.png`, `name-1.png`, `name-2.png`…
 * — link() fails with EEXIST instead of overwriting, so even a file that appears at the same moment
 * is safe. Where the file system has no hard links, copyFile with COPYFILE_EXCL does the same.
 * No vscode import.
 */
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describeWriteError, writeFileAtomic } from './atomicWrite';

/** `pndm-f-pndm-50steps-seed0` for these settings (only safe file-name characters). */
export function outputStem(sampler: string, steps: number, seed: number): string {
  return `pndm-${sampler}-${steps}steps-seed${seed}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function candidateName(stem: string, ext: string, index: number): string {
  return index === 0 ? `${stem}${ext}` : `${stem}-${index}${ext}`;
}

const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** "Could not save x.png in /folder: the disk is full (ENOSPC)." */
function saveError(name: string, folder: string, cause: unknown): Error {
  return new Error(`Could not save ${name} in ${folder}: ${describeWriteError(cause)}`, { cause });
}

/**
 * Write `data` as a new file in `folder`; resolves with its path. Never overwrites; when it fails
 * (read-only folder, full disk…) it rejects with "Could not save <name> in <folder>: <why>" and
 * leaves neither the file nor a temporary file behind.
 */
export async function writeNewFile(folder: string, stem: string, ext: string, data: Uint8Array, maxTries = 10000): Promise<string> {
  const temporary = path.join(folder, `.${stem}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
  try {
    await fs.mkdir(folder, { recursive: true });
    await writeFileAtomic(temporary, data); // removes its own temporary file when it fails
  } catch (error) {
    throw saveError(`${stem}${ext}`, folder, (error as Error).cause ?? error);
  }
  let useLinks = true;
  try {
    for (let i = 0; i < maxTries; i++) {
      const target = path.join(folder, candidateName(stem, ext, i));
      try {
        if (useLinks) await fs.link(temporary, target);
        else await fs.copyFile(temporary, target, constants.COPYFILE_EXCL);
        return target;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (code === 'EEXIST') continue;
        if (useLinks && NO_LINKS.has(code)) {
          useLinks = false;
          i--; // retry this name by copying
          continue;
        }
        throw saveError(path.basename(target), folder, error);
      }
    }
    throw new Error(`Could not find a free file name for ${stem}${ext} in ${folder} after ${maxTries} tries; clean up the folder.`);
  } finally {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
  }
}
