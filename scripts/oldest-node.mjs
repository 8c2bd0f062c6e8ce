#!/usr/bin/env node
// The CLI on the oldest Node the package admits: VS Code 1.90 (engines.vscode ^1.90.0) runs extensions
// on Electron 29, i.e. Node 20.9, so `pndm sample` must write its PNG there too (zlib.crc32, for one,
// only exists from Node 20.15). Installs node-linux-<arch>@20.9.0 from the npm registry into the test
// cache on first use (as scripts/vscode/provision.mjs does for Node 24), then runs, under that Node:
// pndm --version, pndm sample to a PNG and .npy, and pndm sample --settings <that PNG>, which must
// give the same samples bit for bit. Prints "oldest-node: N passed, N failed".
// Usage: node scripts/oldest-node.mjs   (needs a build: npm run build)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE, REPO } from './vscode/provision.mjs';

export const OLDEST_NODE_VERSION = '20.9.0';
const pkg = `node-linux-${process.arch}`;
const dir = join(CACHE, `node${OLDEST_NODE_VERSION}`);
const NODE = join(dir, 'node_modules', pkg, 'bin', 'node');

function installed() {
  const v = existsSync(NODE) ? spawnSync(NODE, ['--version'], { encoding: 'utf8' }) : undefined;
  return v?.status === 0 && v.stdout.trim() === `v${OLDEST_NODE_VERSION}`;
}

function install() {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'pndm-oldest-node', private: true, dependencies: { [pkg]: OLDEST_NODE_VERSION } }, null, 2),
  );
  // npm's lifecycle variables from an enclosing `npm test` would leak into this install
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE' && k !== 'INIT_CWD'));
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, env, stdio: 'inherit' });
  if (r.status !== 0 || !installed()) throw new Error(`could not install ${pkg}@${OLDEST_NODE_VERSION} into ${dir}`);
}

if (!installed()) install();
const work = mkdtempSync(join(tmpdir(), 'pndm-oldest-'));
let passed = 0;
let failed = 0;

function pndm(args) {
  return spawnSync(NODE, [join(REPO, 'bin', 'pndm.js'), ...args], { cwd: work, encoding: 'utf8' });
}

function check(title, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok' : 'FAILED'} - ${title} (Node ${OLDEST_NODE_VERSION})${ok ? '' : `: ${detail}`}`);
}

try {
  const version = pndm(['--version']);
  const expected = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;
  check(
    'pndm --version prints the package version',
    version.status === 0 && version.stdout.trim() === expected,
    version.stdout + version.stderr,
  );

  const first = pndm([
    'sample',
    '--sampler',
    's-pndm',
    '--steps',
    '3',
    '--samples',
    '4',
    '--seed',
    '7',
    '--out',
    'a.png',
    '--out-npy',
    'a.npy',
  ]);
  const png = existsSync(join(work, 'a.png')) ? readFileSync(join(work, 'a.png')) : Buffer.alloc(0);
  check(
    'pndm sample writes a PNG',
    first.status === 0 && png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    first.stderr,
  );

  const again = pndm(['sample', '--settings', 'a.png', '--out-npy', 'b.npy']);
  const same =
    again.status === 0 && existsSync(join(work, 'b.npy')) && readFileSync(join(work, 'a.npy')).equals(readFileSync(join(work, 'b.npy')));
  check('pndm sample --settings a.png reproduces the samples bit for bit', same, again.stderr);
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`oldest-node: ${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
