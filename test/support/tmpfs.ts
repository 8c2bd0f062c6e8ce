/**
 * Real file-system faults for the save tests: a tiny tmpfs mounted read-only, or one that is full.
 * chmod does not stop root, so a mount is the honest way to get EROFS and ENOSPC here; it needs root
 * (or password-less sudo). Linux only; `mountTmpfs` returns false where mounting is not allowed.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function privileged(command: string, args: string[]): boolean {
  if (process.platform !== 'linux') return false;
  const root = process.getuid?.() === 0;
  const r = root ? spawnSync(command, args, { stdio: 'pipe' }) : spawnSync('sudo', ['-n', command, ...args], { stdio: 'pipe' });
  return r.status === 0;
}

/** Mount a tmpfs of `sizeKb` on `dir` (`readOnly`: mounted ro). False when this machine does not allow it. */
export function mountTmpfs(dir: string, sizeKb: number, readOnly = false): boolean {
  return privileged('mount', ['-t', 'tmpfs', '-o', `${readOnly ? 'ro,' : ''}size=${sizeKb}k,mode=0777`, 'tmpfs', dir]);
}

export function remount(dir: string, mode: 'ro' | 'rw'): boolean {
  return privileged('mount', ['-o', `remount,${mode}`, dir]);
}

export function unmount(dir: string): boolean {
  return privileged('umount', [dir]);
}

/** Fill the tmpfs on `dir` until only about `leaveBytes` are free; returns the filler file's path. */
export function fillUp(dir: string, sizeKb: number, leaveBytes: number): string {
  const filler = join(dir, 'filler.bin');
  writeFileSync(filler, Buffer.alloc(sizeKb * 1024 - leaveBytes));
  return filler;
}
