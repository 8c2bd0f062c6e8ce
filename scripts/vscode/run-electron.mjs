#!/usr/bin/env node
// The integration suite in desktop VS Code (Electron) through @vscode/test-electron, for machines
// that can download VS Code (or have one: VSCODE_EXECUTABLE=/path/to/code). This project's own
// machines and CI are offline: there use scripts/vscode/run-integration.mjs (code-server).
//
// Usage: node scripts/vscode/run-electron.mjs [--no-build]
// Environment: PNDM_TEST_GREP (mocha grep), VSCODE_VERSION (default 'stable'), VSCODE_EXECUTABLE.
// On Linux without a display run it under `xvfb-run -a`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { REPO } from './provision.mjs';

const extensionDevelopmentPath = REPO;
const extensionTestsPath = join(REPO, 'dist', 'test', 'suite.js');

if (!process.argv.includes('--no-build')) {
  const b = spawnSync(process.execPath, [join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
if (!existsSync(extensionTestsPath)) {
  console.error(`[electron] no test suite at ${extensionTestsPath}`);
  process.exit(1);
}

const NETWORK_ERRORS =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|getaddrinfo|fetch failed|socket hang up|Failed to get|Error getting|download/i;

const workspace = mkdtempSync(join(tmpdir(), 'pndm-electron-ws-'));
let code = 1;
try {
  const launchArgs = [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'];
  if (process.platform === 'linux' && process.getuid?.() === 0) launchArgs.push('--no-sandbox');
  code = await runTests({
    extensionDevelopmentPath,
    extensionTestsPath,
    launchArgs,
    version: process.env.VSCODE_VERSION || undefined,
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
    extensionTestsEnv: process.env.PNDM_TEST_GREP ? { PNDM_TEST_GREP: process.env.PNDM_TEST_GREP } : {},
  });
} catch (e) {
  const msg = String(e?.stack ?? e);
  if (!process.env.VSCODE_EXECUTABLE && NETWORK_ERRORS.test(msg)) {
    console.error(
      '[electron] FAILED: @vscode/test-electron could not download VS Code (this machine is offline?).\n' +
        '  Offline, run the same suite in code-server instead:  node scripts/vscode/run-integration.mjs\n' +
        '  Or point VSCODE_EXECUTABLE at an installed VS Code binary.\n' +
        `  Cause: ${msg.split('\n')[0]}`,
    );
  } else {
    console.error(`[electron] FAILED: ${msg}`);
  }
  // A run that never started is a failed run, reported in the plain form CI reads.
  console.log('integration: 0 passed, 1 failed');
  code = 1;
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
process.exit(typeof code === 'number' ? code : 1);
