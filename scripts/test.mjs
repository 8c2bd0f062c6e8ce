// `npm test`: every check and test, in the order CI wants them — build, types, lint, unit tests in
// plain Node, then the integration and UI tests inside a real VS Code (code-server, provisioned on
// first use). Ends with one line "tests: N passed, N failed" and a non-zero exit when anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => `${root}node_modules/.bin/${name}`;
let passed = 0;
let failed = 0;
const started = Date.now();

function step(title, command, args, { count } = {}) {
  const t0 = Date.now();
  console.log(`\n=== ${title}: ${[command, ...args].join(' ')}`);
  const r = spawnSync(command, args, {
    cwd: root,
    stdio: count ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    env: process.env,
  });
  if (count) process.stdout.write(r.stdout ?? '');
  const ok = r.status === 0;
  const counted = count?.(r.stdout ?? '');
  if (counted) {
    passed += counted.passed;
    failed += counted.failed;
    if (!ok && counted.failed === 0) failed += 1;
  } else if (ok) passed += 1;
  else failed += 1;
  console.log(`=== ${title}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return ok;
}

const plainCount = (pattern) => (out) => {
  const m = [...out.matchAll(pattern)].at(-1);
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : { passed: 0, failed: 1 };
};

mkdirSync(`${root}test-artifacts`, { recursive: true });
const built = step('build', process.execPath, ['scripts/build.mjs']);
step('check-types', bin('tsc'), ['--noEmit', '-p', '.']);
step('lint', bin('eslint'), ['.']);
step('format', bin('prettier'), ['--check', '.']);
if (built) {
  step(
    'unit tests',
    process.execPath,
    [
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${root}test-artifacts/unit.tap`,
      'dist/test/unit/',
    ],
    {
      count: () => {
        const tap = existsSync(`${root}test-artifacts/unit.tap`) ? readFileSync(`${root}test-artifacts/unit.tap`, 'utf8') : '';
        const pass = /^# pass (\d+)$/m.exec(tap);
        const fail = /^# fail (\d+)$/m.exec(tap);
        return pass && fail ? { passed: Number(pass[1]), failed: Number(fail[1]) } : { passed: 0, failed: 1 };
      },
    },
  );
  // the CLI on Node 20.9, the oldest runtime the package admits (installed from npm on first use)
  step('CLI on the oldest admitted Node', process.execPath, ['scripts/oldest-node.mjs'], {
    count: plainCount(/^oldest-node: (\d+) passed, (\d+) failed$/gm),
  });
  if (process.env.PNDM_SKIP_VSCODE_TESTS === '1') {
    console.log('\n=== integration and UI tests skipped (PNDM_SKIP_VSCODE_TESTS=1)');
  } else {
    step('integration tests in VS Code (code-server)', process.execPath, ['scripts/vscode/run-integration.mjs'], {
      count: plainCount(/^integration: (\d+) passed, (\d+) failed$/gm),
    });
    if (existsSync(`${root}scripts/vscode/ui-test.mjs`)) {
      step('UI tests in VS Code (code-server + Chromium)', process.execPath, ['scripts/vscode/ui-test.mjs'], {
        count: plainCount(/^ui: (\d+) passed, (\d+) failed$/gm),
      });
    }
    // last, because it leaves a production build in dist/: the packaged extension, installed into a
    // fresh code-server, must run "PNDM: Generate Samples" from the palette to a finished grid
    const vsix = `pndm-sampler-linux-x64-${JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version}.vsix`;
    if (step('package the linux-x64 .vsix', process.execPath, ['scripts/package.mjs'])) {
      step('UI tests of the installed .vsix', process.execPath, ['scripts/vscode/ui-test.mjs', '--vsix', vsix], {
        count: plainCount(/^ui: (\d+) passed, (\d+) failed$/gm),
      });
    }
  }
}
console.log(`\nall checks and tests took ${((Date.now() - started) / 60000).toFixed(1)} min`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
