#!/usr/bin/env node
// `npm run package`: a production build, then a platform-specific .vsix for linux-x64 with
// @vscode/vsce 3 (runs on Node 20). .vscodeignore keeps only what runs: dist/{extension,worker,webview}.js,
// media/, models/, and onnxruntime-node's linux-x64 binaries with onnxruntime-common (the only packages
// `require('onnxruntime-node')` loads; adm-zip and global-agent serve its install script only).
// Prints the file list and the size. Usage: node scripts/package.mjs [--target linux-x64]
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const targetArg = process.argv.indexOf('--target');
const target = targetArg > 0 ? process.argv[targetArg + 1] : 'linux-x64';
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = join(root, `${pkg.name}-${target}-${pkg.version}.vsix`);

function run(cmd, args) {
  console.log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
  if (r.status !== 0) {
    console.error(`package: ${cmd} failed (exit ${r.status ?? r.signal}).`);
    process.exit(1);
  }
}

run(process.execPath, ['scripts/build.mjs', '--production']);
// --allow-missing-repository: the project has no public repository yet; vsce would otherwise prompt.
// --no-rewrite-relative-links: without a repository vsce cannot make README.md's relative links
// absolute; they stay relative (docs/ images are packed with the README).
run(join(root, 'node_modules/.bin/vsce'), [
  'package',
  '--target',
  target,
  '--allow-missing-repository',
  '--no-rewrite-relative-links',
  '--out',
  out,
]);
const listing = spawnSync('unzip', ['-l', out], { encoding: 'utf8' });
if (listing.status === 0) {
  const lines = listing.stdout.split('\n').filter((l) => /extension\//.test(l));
  console.log(lines.map((l) => l.trim().replace(/^(\d+)\s+\S+\s+\S+\s+/, '$1\t')).join('\n'));
  const foreign = lines.filter((l) => /napi-v6\/(darwin|win32|linux\/arm64)/.test(l));
  if (foreign.length) {
    console.error(`package: other platforms' binaries got in:\n${foreign.join('\n')}`);
    process.exit(1);
  }
}
const mb = statSync(out).size / 1024 / 1024;
console.log(`package: ${out} (${mb.toFixed(1)} MB, target ${target})`);
