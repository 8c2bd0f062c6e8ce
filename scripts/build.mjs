// One esbuild script for every bundle: the extension host, the sampling worker, the CLI, the webview,
// the benchmark and the tests. `--watch` rebuilds on change; `--production` minifies.
import * as esbuild from 'esbuild';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const testEntries = (dir) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => join(dir, f))
    : [];

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  external: ['vscode', 'onnxruntime-node', 'mocha', 'playwright-core', 'onnx-proto'],
  logLevel: 'warning',
};

const builds = [
  {
    ...node,
    entryPoints: { extension: 'src/extension/extension.ts', worker: 'src/extension/worker.ts', cli: 'src/cli/main.ts' },
    outdir: 'dist',
  },
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    entryPoints: { webview: 'webview/main.ts', compare: 'webview/compare.ts' },
    outdir: 'dist',
    logLevel: 'warning',
  },
];
if (!production) {
  builds.push({
    ...node,
    entryPoints: ['scripts/bench.ts', 'scripts/gpu-check.ts', 'scripts/measure-samplers.ts'],
    outdir: 'dist/scripts',
  });
  const unit = testEntries('test/unit');
  if (unit.length) builds.push({ ...node, entryPoints: unit, outdir: 'dist/test/unit' });
  const integration = testEntries('test/integration');
  if (integration.length)
    builds.push({ ...node, entryPoints: ['test/integration/suite.ts'], outdir: 'dist/test', external: [...node.external] });
}

const present = builds
  .map((b) => ({
    ...b,
    entryPoints: Array.isArray(b.entryPoints)
      ? b.entryPoints.filter((p) => existsSync(p))
      : Object.fromEntries(Object.entries(b.entryPoints).filter(([, p]) => existsSync(p))),
  }))
  .filter((b) => (Array.isArray(b.entryPoints) ? b.entryPoints.length : Object.keys(b.entryPoints).length));

if (watch) {
  for (const b of present) await (await esbuild.context(b)).watch();
  console.log('watching…');
} else {
  await Promise.all(present.map((b) => esbuild.build(b)));
}
