/**
 * .npy files (round trips, numpy's own files, clear errors) and atomic writes (no partial file when a
 * write fails, the old file kept).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpy, npyToFloat32, parseNpy, readNpy, writeNpy } from '../../src/io/npy';
import { writeFileAtomic } from '../../src/io/atomicWrite';
import { referenceFile } from '../support/paths';
import { tempDir } from '../support/tempModels';

/** A .npy file with a hand-written header (as numpy would write it, or deliberately wrong). */
function npyBytes(header: string, data: Uint8Array, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const total = Math.ceil((prefix + header.length + 1) / 64) * 64;
  const padded = header.padEnd(total - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  out.set(new TextEncoder().encode(padded), prefix);
  out.set(data, total);
  return out;
}

test('round trip of every supported dtype and shape, via files', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const cases = [
      { data: Float32Array.of(1.5, -2, 3.25, 0, 1e-30, -7), shape: [2, 3] },
      { data: Float64Array.of(Math.PI, -Math.E), shape: [2] },
      { data: BigInt64Array.of(0n, 999n, -5n, 2n ** 40n), shape: [4] },
      { data: Int32Array.of(7), shape: [] },
      { data: new Float32Array(0), shape: [0, 3] },
    ];
    for (const [i, c] of cases.entries()) {
      const path = join(dir, `a${i}.npy`);
      await writeNpy(path, c.data, c.shape);
      const back = await readNpy(path);
      assert.deepEqual(back.shape, c.shape);
      assert.deepEqual(back.data, c.data);
      assert.equal((readFileSync(path).length - c.data.byteLength) % 64, 0, 'data aligned to 64 bytes like numpy');
    }
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  } finally {
    cleanup();
  }
});

test('reads numpy-written files, and headers numpy would write in version 2', async () => {
  const noise = await readNpy(referenceFile('noise.npy'));
  assert.equal(noise.dtype, '<f4');
  assert.deepEqual(noise.shape, [4, 1, 32, 32]);
  const alphaBar = await readNpy(referenceFile('alpha_bar.npy'));
  assert.equal(alphaBar.dtype, '<f8');
  assert.ok(Math.abs((alphaBar.data as Float64Array)[0] - (1 - 1e-4)) < 1e-15);
  const t = await readNpy(referenceFile('onnx_check_timestep.npy'));
  assert.deepEqual(Array.from(npyToFloat32(t)), [0, 250, 500, 999]);
  const bytes = new Uint8Array(Float32Array.of(1, 2).buffer);
  const v2 = parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", bytes, 2));
  assert.deepEqual(Array.from(v2.data as Float32Array), [1, 2]);
  // encodeNpy writes byte for byte what numpy.save wrote.
  for (const name of ['noise.npy', 'alpha_bar.npy', 'onnx_check_timestep.npy']) {
    const original = readFileSync(referenceFile(name));
    const parsed = parseNpy(original, name);
    assert.deepEqual(Buffer.from(encodeNpy(parsed.data, parsed.shape)), original, name);
  }
});

test('errors name the file and what is wrong', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const write = (name: string, bytes: Uint8Array | string) => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return path;
    };
    const eight = new Uint8Array(8);
    await assert.rejects(readNpy(join(dir, 'missing.npy')), /Could not read .*missing\.npy/);
    await assert.rejects(
      readNpy(write('text.npy', 'hello world, not numpy')),
      /text\.npy is not a readable \.npy file: it does not start with the NumPy magic/,
    );
    await assert.rejects(
      readNpy(write('fortran.npy', npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", eight))),
      /fortran\.npy is not a readable \.npy file: it is stored in Fortran \(column-major\) order; save it in C order/,
    );
    await assert.rejects(
      readNpy(write('f2.npy', npyBytes("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }", eight))),
      /f2\.npy .*dtype '<f2' is not supported; use float32 <f4, float64 <f8, int64 <i8 or int32 <i4/,
    );
    await assert.rejects(
      readNpy(write('big.npy', npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", eight))),
      /big\.npy .*dtype '>f4' is not supported/,
    );
    await assert.rejects(
      readNpy(write('short.npy', npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 1), }", eight))),
      /short\.npy .*truncated: shape \(4, 1\) needs 32 bytes of data but only 8 are present/,
    );
    const full = encodeNpy(Float32Array.of(1, 2, 3), [3]);
    await assert.rejects(readNpy(write('cut.npy', full.subarray(0, 30))), /cut\.npy .*truncated inside its header/);
    await assert.rejects(
      readNpy(write('v9.npy', Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 9, 0, 0, 0))),
      /format version 9\.0 is not supported/,
    );
    assert.throws(() => encodeNpy(Float32Array.of(1, 2, 3), [2, 2]), /Shape \(2, 2\) does not fit 3 values/);
  } finally {
    cleanup();
  }
});

test('atomic write: a failed write leaves the old file and no temporary file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'out.npy');
    await writeNpy(path, Float32Array.of(1, 2, 3), [3]);
    const before = readFileSync(path);
    async function* failingMidway(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(1000).fill(7);
      throw new Error('disk went away');
    }
    await assert.rejects(writeFileAtomic(path, failingMidway()), /Could not write .*out\.npy: disk went away/);
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(readdirSync(dir), ['out.npy']);

    // The rename fails: a folder is in the way.
    const blocked = join(dir, 'blocked.npy');
    mkdirSync(join(blocked, 'inside'), { recursive: true });
    await assert.rejects(writeNpy(blocked, Float32Array.of(1), [1]), /Could not write .*blocked\.npy: /);
    assert.deepEqual(readdirSync(dir).sort(), ['blocked.npy', 'out.npy']);

    // The folder does not exist.
    await assert.rejects(
      writeFileAtomic(join(dir, 'no', 'such', 'x.bin'), 'data'),
      /Could not write .*x\.bin: the folder does not exist \(ENOENT\)/,
    );

    // Chunked data and text work too, replacing the old content in one step.
    await writeFileAtomic(path, [Uint8Array.of(1, 2), Uint8Array.of(3)]);
    assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
    await writeFileAtomic(path, 'text ✓');
    assert.equal(readFileSync(path, 'utf8'), 'text ✓');
    assert.deepEqual(readdirSync(dir).sort(), ['blocked.npy', 'out.npy']);
  } finally {
    cleanup();
  }
});
