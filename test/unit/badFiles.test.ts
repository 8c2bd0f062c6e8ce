/**
 * Model files that cannot be used, at the adapter (openOnnxModel → inspectModelFile): each gets one
 * message naming the file, what is wrong and what to do. modelErrors.test.ts covers missing, folder,
 * empty, JSON, LFS pointer, zip, HTML, no graph and truncated; this file adds random bytes, a text file,
 * unreadable files (EACCES and EPERM injected: the tests run as root, who can read a chmod 000 file —
 * the real EACCES is exercised by running the CLI as `nobody` in cliBadInput.test.ts), a symlink loop
 * and a FIFO.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs'; // the module object itself, so that mock.method reaches the adapter's calls
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { openOnnxModel } from '../../src/model/onnxModel';
import { BAD_FILES } from '../support/badModels';
import { bundledModel } from '../support/paths';
import { tempDir } from '../support/tempModels';

const open = (path: string) => openOnnxModel(path, { provider: 'cpu' });

/** The promise rejects with an Error whose message (not its "Error: …" string) matches. */
const rejectsWith = (promise: Promise<unknown>, pattern: RegExp) =>
  assert.rejects(promise, (e: Error) => (assert.match(e.message, pattern), true));

test('every broken file of the shared table gets its message', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const bad of BAD_FILES) {
      const path = join(dir, bad.file);
      fs.writeFileSync(path, bad.bytes(bundledModel()));
      await assert.rejects(
        open(path),
        (e: Error) => (assert.match(e.message, bad.message, bad.name), assert.ok(e.message.includes(path)), true),
      );
    }
  } finally {
    cleanup();
  }
});

function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: permission denied, ${syscall} '${path}'`), { code, syscall, path });
}

test('an unreadable model file (EACCES at open, injected) says so and what to do', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'locked.onnx');
  fs.copyFileSync(bundledModel(), path);
  const real = fs.openSync;
  const openSync = mock.method(fs, 'openSync', (p: fs.PathLike, ...rest: unknown[]) => {
    if (String(p) === path) throw errno('EACCES', 'open', path);
    return (real as (...a: unknown[]) => number)(p, ...rest);
  });
  try {
    await rejectsWith(
      open(path),
      new RegExp(
        `^Permission denied: cannot read the model file ${escape(path)} \\(EACCES\\)\\. Give your user read access to it and to its folders \\(e\\.g\\. chmod a\\+r\\), or copy the model somewhere you can read\\.$`,
      ),
    );
    assert.ok(
      openSync.mock.calls.some((c) => String(c.arguments[0]) === path),
      'the injected failure was not reached',
    );
  } finally {
    openSync.mock.restore();
  }
});

test('a path in a folder the user may not enter (EPERM at stat, injected) gets the permission message too', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const path = join(dir, 'model.onnx');
  const statSync = mock.method(fs, 'statSync', () => {
    throw errno('EPERM', 'stat', path);
  });
  try {
    await rejectsWith(open(path), /^Permission denied: cannot read the model file .*model\.onnx \(EPERM\)\. Give your user read access/);
  } finally {
    statSync.mock.restore();
  }
});

test('a symlink loop and a FIFO named .onnx are refused without hanging', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const loop = join(dir, 'loop.onnx');
  fs.symlinkSync(loop, loop);
  await rejectsWith(
    open(loop),
    /^Cannot access the model file .*loop\.onnx: ELOOP: too many symbolic links encountered, stat '.*loop\.onnx'\. Check the path, or choose another \.onnx file\.$/,
  );
  const fifo = join(dir, 'pipe.onnx');
  execFileSync('mkfifo', [fifo]);
  await rejectsWith(open(fifo), /^.*pipe\.onnx is not a regular file; choose an \.onnx model file\.$/);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
