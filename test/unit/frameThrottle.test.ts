import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameThrottle } from '../../src/extension/frameThrottle';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the first item goes at once; items inside the interval wait, the newest replacing older ones', async () => {
  const got: number[] = [];
  const t = new FrameThrottle<number>(40, (n) => got.push(n));
  t.push(1);
  assert.deepEqual(got, [1]);
  t.push(2);
  t.push(3);
  assert.deepEqual(got, [1]);
  await sleep(70);
  assert.deepEqual(got, [1, 3]);
  assert.equal(t.delivered, 2);
  assert.ok(t.minGapMs >= 40, `gap ${t.minGapMs}`);
});

test('a burst of 200 items over ~1 s yields at most 1000/interval per second, and the final one always', async () => {
  const times: number[] = [];
  const got: number[] = [];
  const t = new FrameThrottle<number>(50, (n) => {
    got.push(n);
    times.push(performance.now());
  });
  for (let i = 0; i < 200; i++) {
    t.push(i, i === 199);
    await sleep(5);
  }
  await t.finished;
  assert.equal(got.at(-1), 199);
  for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 49.5, `gap ${times[i] - times[i - 1]}`);
  const seconds = (times.at(-1)! - times[0]) / 1000;
  assert.ok(got.length <= Math.floor(seconds * 20) + 1, `${got.length} frames in ${seconds} s`);
  assert.ok(got.length >= 10, `only ${got.length} frames`);
});

test('the final item replaces a waiting one, nothing is accepted after it, and finished resolves once it is out', async () => {
  const got: string[] = [];
  const t = new FrameThrottle<string>(30, (s) => got.push(s));
  t.push('a');
  t.push('b');
  t.push('final', true);
  t.push('late');
  assert.deepEqual(got, ['a']);
  await t.finished;
  assert.deepEqual(got, ['a', 'final']);
  await sleep(50);
  assert.deepEqual(got, ['a', 'final']);
});

test('a final item with a free slot is delivered at once', async () => {
  const got: string[] = [];
  const t = new FrameThrottle<string>(1000, (s) => got.push(s));
  t.push('only', true);
  assert.deepEqual(got, ['only']);
  await t.finished;
});

test('dispose drops a waiting item and resolves finished', async () => {
  const got: number[] = [];
  const t = new FrameThrottle<number>(20, (n) => got.push(n));
  t.push(1);
  t.push(2);
  t.dispose();
  await t.finished;
  await sleep(40);
  assert.deepEqual(got, [1]);
});
