#!/usr/bin/env node
// Offline integration tests in a real VS Code: code-server (workbench + Node 24 extension host)
// driven by headless Debian Chromium. The workbench's smoke-test driver reads a `payload` URL
// parameter with extensionDevelopmentPath/extensionTestsPath, runs the suite's `run()` in the
// extension host and reports the result through `window.codeAutomationExit(code)`.
//
// Usage: node scripts/vscode/run-integration.mjs [--no-build] [--ext DIR] [--tests FILE]
//                                               [--workspace-from DIR]
//   --no-build          do not run scripts/build.mjs first
//   --ext DIR           extensionDevelopmentPath (default: the repository)
//   --tests FILE        extensionTestsPath (default: DIR/dist/test/suite.js)
//   --workspace-from D  copy D's contents into the (temporary) workspace folder
// Environment:
//   PNDM_TEST_GREP        only tests whose full title matches (mocha grep; reaches the extension
//                         host through code-server's environment)
//   PNDM_TEST_TIMEOUT_MS  global timeout, default 1800000 (30 min: the suite takes 10–15 min on two busy cores)
//   PNDM_TEST_VERBOSE=1   print every workbench log line (they always go to test-artifacts/)
// Output: per-test lines, then `integration: N passed, N failed`; exit code 0 only if all passed.
// Artifacts: test-artifacts/integration-final.png, integration-results.json, integration-workbench.log,
//            integration-code-server.log, integration-logs/ (VS Code's logs: extension host, output channels).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { provision, REPO } from './provision.mjs';
import { launchBrowser, startCodeServer } from './codeServer.mjs';

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const say = (m) => console.log(`[integration] ${m}`);

const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const extPath = resolve(opt('--ext') ?? REPO);
const testsPath = resolve(opt('--tests') ?? join(extPath, 'dist', 'test', 'suite.js'));
const workspaceFrom = opt('--workspace-from');
const timeoutMs = Number(process.env.PNDM_TEST_TIMEOUT_MS ?? 1_800_000);
const verbose = process.env.PNDM_TEST_VERBOSE === '1';
const ARTIFACTS = join(REPO, 'test-artifacts');
const MARK = '[pndm-test] ';

// Workbench noise that is expected offline (see OFFLINE_VSCODE.md) and not worth printing.
const NOISE = [/authentication provider 'github'/, /ERR_NAME_NOT_RESOLVED/, /open-vsx\.org/, /status of 404/];

let cleanup = async () => {};
let exiting = false;
async function finish(code) {
  if (exiting) return;
  exiting = true;
  try {
    await cleanup();
  } catch (e) {
    console.error(`[integration] cleanup failed: ${e.message}`);
  }
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    say(`${sig}: stopping code-server and Chromium`);
    void finish(130);
  });

async function main() {
  provision();
  if (!argv.includes('--no-build')) {
    say('building (node scripts/build.mjs)…');
    const b = spawnSync(process.execPath, [join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, stdio: 'inherit' });
    if (b.status !== 0) throw new Error(`build failed (${b.status ?? b.signal})`);
  }
  if (!existsSync(testsPath)) throw new Error(`no test suite at ${testsPath} (build first: node scripts/build.mjs)`);
  if (!existsSync(join(extPath, 'package.json'))) throw new Error(`no extension package.json in ${extPath}`);
  const main = JSON.parse(readFileSync(join(extPath, 'package.json'), 'utf8')).main;
  if (main && !existsSync(join(extPath, main)))
    say(`note: ${main} does not exist; the extension cannot activate, but the suite still runs`);

  mkdirSync(ARTIFACTS, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'pndm-integration-'));
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true })); // also on an interrupted run
  const workspace = join(tmp, 'workspace');
  mkdirSync(workspace);
  if (workspaceFrom) cpSync(resolve(workspaceFrom), workspace, { recursive: true });
  const resultsFile = join(tmp, 'results.json');
  const workbenchLog = join(ARTIFACTS, 'integration-workbench.log');
  writeFileSync(workbenchLog, '');

  let server;
  let browser;
  cleanup = async () => {
    await browser?.close();
    if (server) {
      try {
        copyFileSync(server.logFile, join(ARTIFACTS, 'integration-code-server.log'));
        // VS Code's own logs (extension host: activation errors, the extension's output channels…)
        rmSync(join(ARTIFACTS, 'integration-logs'), { recursive: true, force: true });
        cpSync(join(server.userDataDir, 'logs'), join(ARTIFACTS, 'integration-logs'), { recursive: true });
      } catch {}
      await server.stop();
    }
    rmSync(tmp, { recursive: true, force: true });
  };

  let t = Date.now();
  server = await startCodeServer({
    smokeTestDriver: true,
    workspace,
    env: {
      PNDM_TEST_RESULTS: resultsFile,
      PNDM_TEST_MARK: '1',
      ...(process.env.PNDM_TEST_GREP ? { PNDM_TEST_GREP: process.env.PNDM_TEST_GREP } : {}),
    },
    onLog: verbose ? (l) => console.log(`[code-server] ${l}`) : undefined,
  });
  say(`code-server ${server.url} healthy in ${Date.now() - t} ms`);

  t = Date.now();
  browser = await launchBrowser();
  const { page } = browser;
  say(`chromium launched in ${Date.now() - t} ms`);

  let onExit;
  const exited = new Promise((r) => (onExit = r));
  await page.exposeFunction('codeAutomationExit', (code) => onExit(Number(code)));
  await page.exposeFunction('codeAutomationLog', (level, message) => {
    const text = String(message);
    appendFileSync(workbenchLog, `[${level}] ${text}\n`);
    if (text.startsWith(MARK)) {
      const line = text.slice(MARK.length);
      if (!/^integration: \d+ passed, \d+ failed/.test(line)) console.log(line); // the runner prints the summary
    } else if (verbose || (level === 'error' && !NOISE.some((re) => re.test(text)))) {
      console.log(
        `[workbench ${level}] ${text
          .split('\n')
          .slice(0, verbose ? 50 : 6)
          .join('\n')}`,
      );
    }
  });
  page.on('pageerror', (e) => appendFileSync(workbenchLog, `[pageerror] ${e.stack ?? e}\n`));

  // Remote resources are addressed as vscode-remote://<host:port>/<absolute path>.
  const authority = `127.0.0.1:${server.port}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', `vscode-remote://${authority}${extPath}`],
    ['extensionTestsPath', `vscode-remote://${authority}${testsPath}`],
  ]);
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`;
  t = Date.now();
  say(`opening workbench; tests: ${testsPath}${process.env.PNDM_TEST_GREP ? ` (grep: ${process.env.PNDM_TEST_GREP})` : ''}`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });

  let timer;
  const timedOut = new Promise((r) => (timer = setTimeout(() => r('timeout'), Math.max(0, timeoutMs - (Date.now() - t0)))));
  const outcome = await Promise.race([exited, timedOut]);
  clearTimeout(timer);

  try {
    await page.screenshot({ path: join(ARTIFACTS, 'integration-final.png'), timeout: 30_000 });
  } catch (e) {
    say(`screenshot failed: ${e.message}`);
  }

  let results = null;
  try {
    results = JSON.parse(readFileSync(resultsFile, 'utf8'));
    writeFileSync(join(ARTIFACTS, 'integration-results.json'), JSON.stringify(results, null, 2));
  } catch {}

  let code;
  if (outcome === 'timeout') {
    say(`TIMEOUT: the suite did not finish within ${timeoutMs / 1000} s (PNDM_TEST_TIMEOUT_MS); see test-artifacts/`);
    code = 1;
  } else {
    say(`extension host reported exit code ${outcome} after ${((Date.now() - t) / 1000).toFixed(1)} s`);
    code = outcome;
  }
  let passed = results?.passed ?? 0;
  let failed = results?.failed ?? 0;
  if (!results) {
    say('the suite wrote no results (it failed to load, or crashed): see test-artifacts/integration-workbench.log');
    failed = Math.max(failed, 1);
  } else if (outcome === 'timeout') {
    failed += 1;
  }
  if (code === 0 && (failed > 0 || passed === 0)) code = 1;
  console.log(`integration: ${passed} passed, ${failed} failed${results?.pending ? `, ${results.pending} skipped` : ''}`);
  say(`total ${elapsed()}; screenshot test-artifacts/integration-final.png`);
  return code;
}

main().then(
  (code) => finish(code),
  (e) => {
    if (exiting) return; // interrupted: the signal handler is already cleaning up
    console.error(`[integration] FAILED: ${e.stack ?? e}`);
    console.log('integration: 0 passed, 1 failed');
    void finish(1);
  },
);
