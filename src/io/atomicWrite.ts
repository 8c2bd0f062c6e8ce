/**
 * Atomic file writes: the data goes to a temporary file in the target's own folder (so the final
 * rename stays on one file system), is flushed to disk, and only then renamed over the target.
 * A reader sees either the old file or the complete new one, never a partial write; when anything
 * fails the temporary file is removed and the target is left as it was.
 */
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** What {@link writeFileAtomic} accepts: bytes, text (UTF-8), or chunks produced on the fly. */
export type AtomicWriteData = string | Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** The temporary name used while writing `path`; hidden, unique per call, in the same folder. */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Write `data` to `path` atomically (temporary file in the same folder + fsync + rename).
 * Rejects with an Error naming `path` and the cause; the target is then unchanged and no temporary
 * file is left behind.
 */
export async function writeFileAtomic(path: string, data: AtomicWriteData): Promise<void> {
  const temporary = temporaryPathFor(path);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temporary, 'wx');
    if (typeof data === 'string' || data instanceof Uint8Array) {
      await handle.writeFile(data);
    } else {
      for await (const chunk of data) await handle.write(chunk);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temporary, path);
  } catch (error) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw new Error(`Could not write ${path}: ${describeWriteError(error)}`, { cause: error });
  }
}

/** A file system error in words, e.g. "the disk is full (ENOSPC)." (other errors: their message). */
export function describeWriteError(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = String((error as NodeJS.ErrnoException).code);
    const hints: Record<string, string> = {
      ENOENT: 'the folder does not exist',
      EACCES: 'permission denied',
      EPERM: 'permission denied',
      EISDIR: 'a folder of that name is in the way',
      ENOSPC: 'the disk is full',
      EROFS: 'the file system is read-only',
    };
    if (hints[code]) return `${hints[code]} (${code}).`;
  }
  return error instanceof Error ? error.message : String(error);
}
