// The worker's session cache with a fake opener: reuse while the file is unchanged, a fresh open when
// it was deleted or replaced, no release while a run holds a session, and nothing left after clear().
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SessionCache } from '../../src/extension/sessionCache';

class FakeModel {
  released = false;
  constructor(readonly path: string) {}
  async dispose(): Promise<void> {
    this.released = true;
  }
}

function cacheOver(opened: FakeModel[]): SessionCache<FakeModel> {
  return new SessionCache<FakeModel>(async (path) => {
    const model = new FakeModel(path);
    opened.push(model);
    return model;
  });
}

test('a session is reused while its file is unchanged, and opened again once the file is replaced', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pndm-cache-'));
  const path = join(dir, 'm.onnx');
  writeFileSync(path, 'one');
  const opened: FakeModel[] = [];
  const cache = cacheOver(opened);
  const a = cache.acquire(path, 'cpu');
  const first = await a.model;
  a.release();
  const b = cache.acquire(path, 'cpu');
  assert.equal(await b.model, first);
  b.release();
  writeFileSync(join(dir, 'new.onnx'), 'two, longer');
  renameSync(join(dir, 'new.onnx'), path); // replaced atomically, as an export tool would
  const c = cache.acquire(path, 'cpu');
  assert.notEqual(await c.model, first);
  c.release();
  await cache.clear(); // waits for the releases in flight
  assert.equal(first.released, true, 'the stale session was not released');
  assert.equal(opened.length, 2);
  rmSync(dir, { recursive: true, force: true });
});

test('a deleted model file is not served from the cache: the open fails and is not cached', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pndm-cache-'));
  const path = join(dir, 'm.onnx');
  writeFileSync(path, 'x');
  let opens = 0;
  const cache = new SessionCache<FakeModel>(async (p) => {
    opens++;
    if (opens > 1) throw new Error(`Model file not found: ${p}.`);
    return new FakeModel(p);
  });
  const running = cache.acquire(path, 'cpu');
  const model = await running.model; // a run holds it…
  rmSync(path);
  const next = cache.acquire(path, 'cpu'); // …when the file goes away
  await assert.rejects(next.model, /Model file not found/);
  next.release();
  assert.equal(model.released, false, 'a session in use was released');
  running.release(); // the run ends: now it goes
  assert.equal(await cache.clear(), 1);
  assert.equal(model.released, true);
  assert.equal(cache.size, 0);
  rmSync(dir, { recursive: true, force: true });
});

test('keepOnly lets go of the other models; clear() empties the cache and counts the releases', async () => {
  const opened: FakeModel[] = [];
  const cache = new SessionCache<FakeModel>(
    async (path) => {
      const m = new FakeModel(path);
      opened.push(m);
      return m;
    },
    () => 'unchanged',
  );
  for (const [path, provider] of [
    ['/a.onnx', 'cpu'],
    ['/a.onnx', 'auto'],
    ['/b.onnx', 'cpu'],
  ]) {
    const lease = cache.acquire(path, provider);
    await lease.model;
    lease.release();
  }
  assert.equal(cache.size, 3);
  cache.keepOnly('/b.onnx');
  assert.equal(cache.size, 1);
  assert.equal(await cache.clear(), 3);
  assert.equal(cache.size, 0);
  assert.ok(opened.every((m) => m.released));
});
