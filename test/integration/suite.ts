// Mocha entry for the integration tests, run inside a real VS Code extension host (test-electron
// pattern: VS Code loads this module from `extensionTestsPath` and awaits `run()`).
// Bundled by scripts/build.mjs into dist/test/suite.js; `mocha` and `vscode` stay external.
//
// Add a test file: create test/integration/<name>.test.ts (mocha BDD: describe/it) and add one line
// to TEST_MODULES below. Test files are require()d after mocha has installed its globals, so they
// must not be imported with `import` (imports are hoisted above the globals' setup).
//
// Environment (inherited by the extension host from code-server or set by runTests):
//   PNDM_TEST_GREP     only run tests whose full title matches this (mocha --grep)
//   PNDM_TEST_RESULTS  write {passed, failed, pending, tests: [...]} as JSON to this file
//   PNDM_TEST_MARK=1   prefix console lines with "[pndm-test] " (set by run-integration.mjs)
import * as fs from 'fs';
import Mocha from 'mocha';

/* eslint-disable @typescript-eslint/no-require-imports */
const TEST_MODULES: Array<() => unknown> = [
  () => require('./smoke.test'),
  () => require('./commands.test'),
  () => require('./panelMessages.test'),
  () => require('./panelRun.test'),
  () => require('./panelSave.test'),
  () => require('./responsiveness.test'),
  () => require('./faults.test'),
  () => require('./load.test'),
  () => require('./badInputFiles.test'),
  () => require('./badInputModels.test'),
  () => require('./badInputSettings.test'),
  () => require('./security.test'),
  () => require('./fuzz.test'),
  () => require('./webgpu.test'),
  () => require('./researcher.test'),
];
/* eslint-enable @typescript-eslint/no-require-imports */

interface TestResult {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

// In VS Code (Electron) the extension host's console reaches the runner's stdout. In code-server it
// reaches the workbench's log, mixed with the workbench's own lines; with PNDM_TEST_MARK=1 every line
// is prefixed so that scripts/vscode/run-integration.mjs can pick the suite's lines out.
const MARK = process.env.PNDM_TEST_MARK === '1' ? '[pndm-test] ' : '';

function log(text: string): void {
  for (const line of text.split('\n')) console.log(MARK + line);
}

export function run(): Promise<void> {
  const grep = process.env.PNDM_TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false, reporter: 'base', ...(grep ? { grep } : {}) });
  mocha.suite.emit('pre-require', globalThis, 'suite.js', mocha);

  const results: TestResult[] = [];
  return new Promise<void>((resolve, reject) => {
    let runner: Mocha.Runner;
    try {
      for (const load of TEST_MODULES) load();
    } catch (e) {
      log(`failed to load a test module: ${(e as Error)?.stack ?? e}`);
      reject(e);
      return;
    }
    try {
      runner = mocha.run((failures) => {
        const passed = results.filter((r) => r.state === 'passed').length;
        const failed = results.filter((r) => r.state === 'failed').length;
        const pending = results.filter((r) => r.state === 'pending').length;
        const summary = `integration: ${passed} passed, ${failed} failed` + (pending ? `, ${pending} skipped` : '');
        const file = process.env.PNDM_TEST_RESULTS;
        if (file) fs.writeFileSync(file, JSON.stringify({ passed, failed, pending, tests: results, summary }, null, 2));
        log(summary);
        if (failures > 0 || failed > 0) reject(new Error(`${failures} integration test(s) failed`));
        else if (passed === 0) reject(new Error(`no integration test ran${grep ? ` (PNDM_TEST_GREP=${grep})` : ''}`));
        else resolve();
      });
    } catch (e) {
      reject(e);
      return;
    }
    runner.on('suite', (s: Mocha.Suite) => {
      if (s.title) log(`${'  '.repeat(Math.max(0, s.titlePath().length - 1))}${s.title}`);
    });
    runner.on('pass', (t: Mocha.Test) => {
      results.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration });
      log(`  ✓ ${t.fullTitle()} (${t.duration ?? 0} ms)`);
    });
    runner.on('fail', (t: Mocha.Runnable, err: Error) => {
      const error = (err && (err.stack || err.message)) || String(err);
      results.push({ title: t.fullTitle(), state: 'failed', error });
      log(`  ✗ ${t.fullTitle()}\n${error.replace(/^/gm, '      ')}`);
    });
    runner.on('pending', (t: Mocha.Test) => {
      results.push({ title: t.fullTitle(), state: 'pending' });
      log(`  - ${t.fullTitle()} (skipped)`);
    });
  });
}
