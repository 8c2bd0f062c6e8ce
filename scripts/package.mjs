#!/usr/bin/env node
// `npm run package -- --target T`: a production build, then a .vsix for one platform with @vscode/vsce 3
// (runs on Node 20), holding exactly that platform's onnxruntime-node binaries and no other's.
// `npm run package:all` (--all) builds one for every platform onnxruntime-node 1.30 ships binaries for.
// .vscodeignore keeps only what runs: dist/{extension,worker,webview,cli}.js, bin/pndm.js (the CLI),
// media/, models/, onnxruntime-common and onnxruntime-node without binaries; this script adds the one
// line that lets the target's binaries in (vsce --ignoreFile), so no target can ship another's.
// Prints the file list and the size. Usage:
//   node scripts/package.mjs [--target linux-x64 | --all] [--out-dir DIR] [--no-build]
// --no-build packages dist/ as it is (tests use it so as not to replace the development build).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** VS Code target → onnxruntime-node's binary folder (darwin-x64: onnxruntime-node 1.30 ships none). */
export const TARGETS = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
  'darwin-arm64': 'darwin/arm64',
};
export const BINARIES = 'node_modules/onnxruntime-node/bin/napi-v6';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function run(cmd, args, quiet = false) {
  console.log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: quiet ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  if (r.status !== 0) {
    console.error(`package: ${cmd} failed (exit ${r.status ?? r.signal}).`);
    process.exit(1);
  }
}

/** Package one target into outDir; returns the .vsix path. */
function packageTarget(target, outDir) {
  const out = join(outDir, `${pkg.name}-${target}-${pkg.version}.vsix`);
  const scratch = mkdtempSync(join(tmpdir(), 'pndm-package-'));
  const ignoreFile = join(scratch, '.vscodeignore');
  writeFileSync(ignoreFile, `${readFileSync(join(root, '.vscodeignore'), 'utf8')}\n!${BINARIES}/${TARGETS[target]}/**\n`);
  try {
    // --allow-missing-repository: the project has no public repository yet; vsce would otherwise prompt.
    // --no-rewrite-relative-links: without a repository vsce cannot make README.md's relative links
    // absolute; they stay relative (docs/ images are packed with the README).
    run(
      join(root, 'node_modules/.bin/vsce'),
      [
        'package',
        '--target',
        target,
        '--ignoreFile',
        ignoreFile,
        '--allow-missing-repository',
        '--no-rewrite-relative-links',
        '--out',
        out,
      ],
      true,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const listing = spawnSync('unzip', ['-l', out], { encoding: 'utf8' });
  if (listing.status === 0) {
    const lines = listing.stdout.split('\n').filter((l) => /extension\//.test(l));
    console.log(lines.map((l) => l.trim().replace(/^(\d+)\s+\S+\s+\S+\s+/, '$1\t')).join('\n'));
  }
  const mb = statSync(out).size / 1024 / 1024;
  console.log(`package: ${out} (${mb.toFixed(1)} MB, target ${target})`);
  return out;
}

function option(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const all = process.argv.includes('--all');
  const targets = all ? Object.keys(TARGETS) : [option('target') ?? 'linux-x64'];
  const unknown = targets.find((t) => !(t in TARGETS));
  if (unknown) {
    console.error(
      `package: no onnxruntime-node binaries for target "${unknown}"; use one of ${Object.keys(TARGETS).join(', ')} (onnxruntime-node 1.30 ships no darwin-x64 build).`,
    );
    process.exit(1);
  }
  if (!process.argv.includes('--no-build')) run(process.execPath, ['scripts/build.mjs', '--production']);
  const outDir = option('out-dir') ?? root;
  for (const target of targets) packageTarget(target, outDir);
}
