/**
 * `npm run package:all`: one .vsix per platform, each with exactly its own onnxruntime-node binaries
 * (today's bug was a win32-x64 .vsix carrying Linux binaries), the `pndm` CLI, and the target named in
 * its manifest. Packages the current development build (--no-build) into a temporary folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/paths';
import { readZip } from '../support/zip';

/** What each target must carry in onnxruntime-node's bin/napi-v6/<os>/<arch>/. */
const EXPECTED: Record<string, { folder: string; files: string[] }> = {
  'linux-x64': { folder: 'linux/x64', files: ['onnxruntime_binding.node', 'libonnxruntime.so.1'] },
  'linux-arm64': { folder: 'linux/arm64', files: ['onnxruntime_binding.node', 'libonnxruntime.so.1'] },
  'win32-x64': { folder: 'win32/x64', files: ['onnxruntime_binding.node', 'onnxruntime.dll', 'DirectML.dll'] },
  'win32-arm64': { folder: 'win32/arm64', files: ['onnxruntime_binding.node', 'onnxruntime.dll', 'DirectML.dll'] },
  'darwin-arm64': { folder: 'darwin/arm64', files: ['onnxruntime_binding.node', 'libonnxruntime.1.30.0.dylib'] },
};
const BIN = 'extension/node_modules/onnxruntime-node/bin/napi-v6/';

test('package:all builds a .vsix per platform with exactly that platform’s onnxruntime binaries and the CLI', { timeout: 600_000 }, () => {
  const root = repoRoot();
  const out = mkdtempSync(join(tmpdir(), 'pndm-vsix-'));
  try {
    const r = spawnSync(process.execPath, ['scripts/package.mjs', '--all', '--no-build', '--out-dir', out], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `package.mjs --all failed:\n${r.stderr}\n${r.stdout.slice(-2000)}`);
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    for (const [target, expected] of Object.entries(EXPECTED)) {
      const zip = readZip(join(out, `pndm-sampler-${target}-${version}.vsix`));
      const names = zip.entries.map((e) => e.name);
      const binaries = names.filter((n) => n.startsWith(BIN));
      const folders = new Set(binaries.map((n) => n.slice(BIN.length).split('/').slice(0, 2).join('/')));
      assert.deepEqual([...folders], [expected.folder], `${target}: binary folders ${[...folders].join(', ')}`);
      for (const file of expected.files) assert.ok(names.includes(`${BIN}${expected.folder}/${file}`), `${target} lacks ${file}`);
      for (const file of ['extension/bin/pndm.js', 'extension/dist/cli.js', 'extension/dist/extension.js', 'extension/dist/worker.js']) {
        assert.ok(names.includes(file), `${target} lacks ${file}`);
      }
      assert.ok(names.includes('extension/models/mnist_ddpm.onnx'), `${target} lacks the bundled model`);
      assert.match(zip.read('extension.vsixmanifest').toString('utf8'), new RegExp(`TargetPlatform="${target}"`));
      assert.ok(!names.some((n) => n.includes('/test/') || n.endsWith('.map')), `${target} carries tests or source maps`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('a target onnxruntime-node has no binaries for is refused with the list of targets', () => {
  const r = spawnSync(process.execPath, ['scripts/package.mjs', '--target', 'darwin-x64', '--no-build'], {
    cwd: repoRoot(),
    encoding: 'utf8',
  });
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /^package: no onnxruntime-node binaries for target "darwin-x64"; use one of linux-x64, linux-arm64, win32-x64, win32-arm64, darwin-arm64/,
  );
});
