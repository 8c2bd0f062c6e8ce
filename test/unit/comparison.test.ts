import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cellsOf, Comparison, rmsDistance, type ComparisonClient, type ReferenceCache } from '../../src/extension/comparison';
import { validateCompareMessage, validateCompareRequest, validateMessage } from '../../src/extension/validate';
import { RunFailed, WorkerClient } from '../../src/extension/workerClient';
import type { DoneReply, RunRequest } from '../../src/extension/workerProtocol';
import { MessageType, type CompareRequest, type ToCompareView } from '../../src/protocol';
import { DEFAULT_SETTINGS, SAMPLER_NAMES } from '../../src/sampler';
import { bundledModel, repoRoot } from '../support/paths';

const request: CompareRequest = {
  samplers: ['ddim', 'f-pndm'],
  steps: [10, 20],
  samples: 4,
  seed: 7,
  spacing: 'leading',
  reference: 'f-pndm-100',
};

/** A worker whose samples are 1/steps everywhere (so RMS to the 100-step reference is |1/steps − 1/100|). */
function fakeClient(options: { cancelAt?: number } = {}) {
  const runs: Omit<RunRequest, 'type' | 'id'>[] = [];
  const cancelled: number[] = [];
  const pending = new Map<number, (reason: Error) => void>();
  const client: ComparisonClient = {
    run(req, handlers) {
      runs.push(req);
      const id = runs.length;
      const done = new Promise<DoneReply>((resolve, reject) => {
        pending.set(id, reject);
        if (options.cancelAt === id) return; // stays running until cancelled
        setImmediate(() => {
          const x = new Float32Array(req.samples * 4).fill(1 / req.steps);
          const frame = { pixels: new Uint8Array(4).buffer, count: req.samples, channels: 1, height: 2, width: 2 };
          const progress = {
            step: req.steps,
            steps: req.steps,
            nfe: req.steps,
            progress: 1,
            itPerSecond: 1,
            secondsLeft: 0,
            provider: 'cpu',
          };
          handlers.onFrame({ type: 'frame', id, frame, progress, final: true });
          resolve({
            type: 'done',
            id,
            x: x.buffer,
            count: req.samples,
            shape: { channels: 1, height: 2, width: 2 },
            nfe: req.steps + 1,
            wallMs: 5,
            modelMs: 4,
            provider: 'cpu',
            line: 'x',
            settings: { ...DEFAULT_SETTINGS, sampler: req.sampler, steps: req.steps },
          });
        });
      });
      return { id, done };
    },
    cancel(id) {
      cancelled.push(id);
      pending.get(id)?.(new RunFailed('Sampling was cancelled.', true));
    },
  };
  return { client, runs, cancelled };
}

test("the cells run on the request's spacing; the reference keeps its own leading grid (one reference serves every spacing)", async () => {
  const { client, runs } = fakeClient();
  const posted: ToCompareView[] = [];
  const cache: ReferenceCache = new Map();
  const karras = { ...request, spacing: 'karras' } as const;
  assert.equal(await new Comparison(client, '/m.onnx', 'cpu', karras, cache, (m) => posted.push(m)).done, 'finished');
  assert.deepEqual(
    runs.map((r) => [r.sampler, r.steps, r.spacing]),
    [
      ['f-pndm', 100, 'leading'],
      ['ddim', 10, 'karras'],
      ['ddim', 20, 'karras'],
      ['f-pndm', 10, 'karras'],
      ['f-pndm', 20, 'karras'],
    ],
  );
  assert.deepEqual(posted.at(-1), {
    type: MessageType.CompareEnded,
    outcome: 'finished',
    message: '4 cells on karras grids compared with F-PNDM 100 steps.',
  });
  const logsnr = fakeClient();
  assert.equal(
    await new Comparison(logsnr.client, '/m.onnx', 'cpu', { ...request, spacing: 'logsnr' }, cache, () => undefined).done,
    'finished',
  );
  assert.deepEqual(
    logsnr.runs.map((r) => r.spacing),
    ['logsnr', 'logsnr', 'logsnr', 'logsnr'],
    'the cached reference was solved again',
  );
});

test('rmsDistance: the root-mean-square difference; unequal lengths are refused', () => {
  assert.equal(rmsDistance(new Float32Array([0, 0, 0, 0]), new Float32Array([1, -1, 1, -1])), 1);
  assert.ok(Math.abs(rmsDistance(new Float32Array([3, 0]), new Float32Array([0, 4])) - Math.sqrt(12.5)) < 1e-12);
  assert.throws(() => rmsDistance(new Float32Array(2), new Float32Array(3)), /Cannot compare 2 values with 3/);
});

test('a comparison solves the reference once, then every cell row-major from the same seed, with RMS to the reference', async () => {
  const { client, runs } = fakeClient();
  const posted: ToCompareView[] = [];
  const cache: ReferenceCache = new Map();
  const c = new Comparison(client, '/m.onnx', 'cpu', request, cache, (m) => posted.push(m));
  assert.equal(await c.done, 'finished');
  assert.deepEqual(
    runs.map((r) => [r.sampler, r.steps, r.seed, r.samples, r.eta, r.spacing]),
    [
      ['f-pndm', 100, 7, 4, 0, 'leading'],
      ['ddim', 10, 7, 4, 0, 'leading'],
      ['ddim', 20, 7, 4, 0, 'leading'],
      ['f-pndm', 10, 7, 4, 0, 'leading'],
      ['f-pndm', 20, 7, 4, 0, 'leading'],
    ],
  );
  const cells = posted.filter((m) => m.type === MessageType.CompareCell);
  assert.deepEqual(
    cells.map((m) => [m.index, m.result.sampler, m.result.steps, m.result.nfe]),
    [
      [0, 'ddim', 10, 11],
      [1, 'ddim', 20, 21],
      [2, 'f-pndm', 10, 11],
      [3, 'f-pndm', 20, 21],
    ],
  );
  assert.ok(Math.abs(cells[0].result.rms - (0.1 - 0.01)) < 1e-6, String(cells[0].result.rms));
  assert.ok(Math.abs(cells[1].result.rms - (0.05 - 0.01)) < 1e-6, String(cells[1].result.rms));
  const started = posted[0];
  assert.equal(started.type, MessageType.CompareStarted);
  assert.equal(started.type === MessageType.CompareStarted && started.referenceLabel, 'F-PNDM 100 steps');
  assert.deepEqual(posted.at(-1), {
    type: MessageType.CompareEnded,
    outcome: 'finished',
    message: '4 cells on leading grids compared with F-PNDM 100 steps.',
  });
  // the same request again: the reference comes from the cache
  const again = fakeClient();
  const posted2: ToCompareView[] = [];
  assert.equal(await new Comparison(again.client, '/m.onnx', 'cpu', request, cache, (m) => posted2.push(m)).done, 'finished');
  assert.equal(again.runs.length, 4, 'the reference was solved again');
  assert.equal(posted2[0].type === MessageType.CompareStarted && posted2[0].referenceCached, true);
  // another seed is another reference
  const other = fakeClient();
  await new Comparison(other.client, '/m.onnx', 'cpu', { ...request, seed: 8 }, cache, () => undefined).done;
  assert.equal(other.runs.length, 5);
});

test('cancel stops the run in the worker and ends the comparison as cancelled, no further cells', async () => {
  const { client, runs, cancelled } = fakeClient({ cancelAt: 3 });
  const posted: ToCompareView[] = [];
  const c = new Comparison(client, '/m.onnx', 'cpu', request, new Map(), (m) => posted.push(m));
  while (runs.length < 3) await new Promise((r) => setImmediate(r));
  c.cancel();
  assert.equal(await c.done, 'cancelled');
  assert.deepEqual(cancelled, [3]);
  assert.equal(runs.length, 3);
  assert.equal(posted.filter((m) => m.type === MessageType.CompareCell).length, 1);
  assert.deepEqual(posted.at(-1), { type: MessageType.CompareEnded, outcome: 'cancelled', message: 'Comparison cancelled.' });
});

test('cellsOf: rows are samplers, columns steps', () => {
  assert.deepEqual(cellsOf(request), [
    { sampler: 'ddim', steps: 10 },
    { sampler: 'ddim', steps: 20 },
    { sampler: 'f-pndm', steps: 10 },
    { sampler: 'f-pndm', steps: 20 },
  ]);
});

test('compare-view messages are validated: every sampler of ours is accepted, bad requests are refused with what to fix', () => {
  const ok = validateCompareRequest({ ...request, samplers: [...SAMPLER_NAMES], steps: [50, 10, 20] });
  assert.ok(ok.ok);
  assert.deepEqual(ok.ok && ok.request.steps, [10, 20, 50], 'steps are sorted');
  const refused = (raw: unknown, pattern: RegExp) => {
    const v = validateCompareMessage({ type: 'runComparison', request: raw });
    assert.equal(v.ok, false, JSON.stringify(raw));
    assert.match(!v.ok ? v.error : '', pattern);
  };
  refused({ ...request, samplers: [] }, /^Comparison refused: pick 1 to \d+ samplers/);
  refused({ ...request, samplers: ['euler'] }, /"euler" is not a sampler; use f-pndm, /);
  refused({ ...request, samplers: ['ddim', 'ddim'] }, /each sampler may be picked once/);
  refused({ ...request, steps: [0] }, /step count 0 is not a whole number from 1 to 1000/);
  refused({ ...request, steps: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, /give 1 to 8 step counts/);
  refused({ ...request, steps: [10, 10] }, /each step count may be given once/);
  refused({ ...request, samples: 0 }, /samples is 0; it must be a whole number from 1 to 256/);
  refused({ ...request, seed: -1 }, /seed is -1; it must be a whole number from 0 to 4294967295/);
  refused({ ...request, reference: 'toString' }, /reference is "toString"; it must be one of f-pndm-500, /);
  refused(
    { ...request, spacing: 'uniform' },
    /spacing is "uniform"; it must be one of auto, leading, trailing, linspace, karras, logsnr, tuned/,
  );
  const { spacing: _unused, ...withoutSpacing } = request;
  void _unused;
  refused(withoutSpacing, /spacing is undefined; it must be one of auto, leading/);
  refused('x', /the request must be an object/);
  assert.deepEqual(validateCompareMessage({ type: 'openCell', index: 3 }), { ok: true, message: { type: 'openCell', index: 3 } });
  assert.match((validateCompareMessage({ type: 'openCell', index: -1 }) as { error: string }).error, /index -1 is not a cell number/);
  assert.match((validateCompareMessage({ type: 'generate' }) as { error: string }).error, /Unknown compare-view message type "generate"/);
  assert.deepEqual(validateCompareMessage({ type: 'compareReady', extra: 1 }), { ok: true, message: { type: 'compareReady' } });
});

test('Re-sample and Export GIF messages take an image index 0..1023 (Export also none: the grid); anything else is refused', () => {
  assert.deepEqual(validateMessage({ type: 'resampleImage', index: 23 }), { ok: true, message: { type: 'resampleImage', index: 23 } });
  assert.deepEqual(validateMessage({ type: 'exportAnimation' }), { ok: true, message: { type: 'exportAnimation' } });
  assert.deepEqual(validateMessage({ type: 'exportAnimation', index: 0 }), { ok: true, message: { type: 'exportAnimation', index: 0 } });
  for (const index of [-1, 1.5, 1024, '3', null]) {
    const r = validateMessage({ type: 'resampleImage', index });
    assert.match(!r.ok ? r.error : '', /^Re-sample refused: index .+ is not an image number from 0 to 1023\.$/, String(index));
    const e = validateMessage({ type: 'exportAnimation', index });
    assert.match(!e.ok ? e.error : '', /^Export refused: index .+ is not an image number from 0 to 1023\.$/, String(index));
  }
});

test('a comparison on tuned grids where a cell has none ends by saying how to make one (the real worker)', async () => {
  const previous = process.env.PNDM_CACHE_DIR;
  process.env.PNDM_CACHE_DIR = mkdtempSync(join(tmpdir(), 'pndm-no-grids-')); // the worker thread takes this environment
  const client = new WorkerClient(join(repoRoot(), 'dist', 'worker.js'), () => undefined);
  try {
    const posted: ToCompareView[] = [];
    const tuned: CompareRequest = { samplers: ['ddim'], steps: [7], samples: 1, seed: 0, spacing: 'tuned', reference: 'f-pndm-100' };
    assert.equal(await new Comparison(client, bundledModel(), 'cpu', tuned, new Map(), (m) => posted.push(m)).done, 'failed');
    assert.deepEqual(posted.at(-1), {
      type: MessageType.CompareEnded,
      outcome: 'failed',
      message:
        'The comparison failed: There is no tuned grid for ddim at 7 steps for this model; ' +
        `make one with \`pndm tune --sampler ddim --steps 7 --model ${bundledModel()}\` or choose another spacing.`,
    });
  } finally {
    client.dispose();
    if (previous === undefined) delete process.env.PNDM_CACHE_DIR;
    else process.env.PNDM_CACHE_DIR = previous;
  }
});
