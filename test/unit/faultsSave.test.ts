// Saving into a folder that is read-only or full, on a real file system (a tiny tmpfs; root or
// password-less sudo needed, else skipped): a clear error naming the file, the folder and the cause, no
// file and no temporary file left, and the same save works once the folder is writable again.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeNewFile } from '../../src/io/uniqueFile';
import { fillUp, mountTmpfs, remount, unmount } from '../support/tmpfs';

const png = new Uint8Array(40_000).map((_, i) => (i * 7919) % 251); // incompressible enough not to fit in 8 KB

function withTmpfs(sizeKb: number, readOnly: boolean, body: (dir: string) => Promise<void>) {
  return async (t: { skip: (why: string) => void }) => {
    const dir = mkdtempSync(join(tmpdir(), 'pndm-fs-'));
    if (!mountTmpfs(dir, sizeKb, readOnly)) {
      rmSync(dir, { recursive: true, force: true });
      t.skip('mounting a tmpfs needs root or password-less sudo');
      return;
    }
    try {
      await body(dir);
    } finally {
      unmount(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'a read-only folder: "the file system is read-only (EROFS)", nothing written; works after remounting rw',
  withTmpfs(256, true, async (dir) => {
    await assert.rejects(writeNewFile(dir, 'pndm-ddim', '.png', png), (e: unknown) => {
      assert.equal((e as Error).message, `Could not save pndm-ddim.png in ${dir}: the file system is read-only (EROFS).`);
      return true;
    });
    assert.deepEqual(readdirSync(dir), []);
    assert.ok(remount(dir, 'rw'));
    const written = await writeNewFile(dir, 'pndm-ddim', '.png', png);
    assert.deepEqual(readdirSync(dir), ['pndm-ddim.png']);
    assert.equal(statSync(written).size, png.length);
  }),
);

test(
  'a full folder: "the disk is full (ENOSPC)" mid-write, the partial temporary file removed; works once space is freed',
  withTmpfs(64, false, async (dir) => {
    const filler = fillUp(dir, 64, 8192);
    await assert.rejects(writeNewFile(dir, 'pndm-ddim', '.png', png), (e: unknown) => {
      assert.equal((e as Error).message, `Could not save pndm-ddim.png in ${dir}: the disk is full (ENOSPC).`);
      return true;
    });
    assert.deepEqual(readdirSync(dir), ['filler.bin']);
    rmSync(filler);
    await writeNewFile(dir, 'pndm-ddim', '.png', png);
    assert.deepEqual(readdirSync(dir), ['pndm-ddim.png']);
  }),
);
