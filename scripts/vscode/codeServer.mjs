// Helpers to run code-server (a real VS Code workbench + Node extension host) and a headless
// Chromium to drive it, fully offline. Run scripts/vscode/provision.mjs first (run-integration.mjs
// does). See scripts/vscode/README.md.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, CODE_SERVER_ENTRY, NODE24_BIN, codeServerXdgEnv, node24Env } from './provision.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Wait for a promise at most ms milliseconds, without keeping the event loop alive afterwards. */
function settleWithin(promise, ms) {
  let timer;
  return Promise.race([Promise.resolve(promise).catch(() => {}), new Promise((r) => (timer = setTimeout(r, ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** Flags that keep Chromium from flooding this machine's closed network (see OFFLINE_VSCODE.md). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** User settings for a test workbench: quiet, no update checks, no AI/chat side panels, no welcome page. */
export const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'git.autoRepositoryDetection': false,
  'git.openRepositoryInParentFolders': 'never',
};

function assertProvisioned() {
  if (!existsSync(NODE24_BIN) || !existsSync(CODE_SERVER_ENTRY))
    throw new Error('code-server is not provisioned: run `node scripts/vscode/provision.mjs` first');
}

/** The environment for code-server: Node 24 first on PATH, XDG dirs in the cache, and no VS Code
 *  variables inherited from a surrounding VS Code terminal (VSCODE_IPC_HOOK_CLI would make
 *  code-server hand its arguments to that instance instead of starting). */
function codeServerEnv() {
  const env = node24Env(codeServerXdgEnv());
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  return env;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Process groups started here, killed on exit whatever happens.
const liveGroups = new Set();
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
// Temporary folders still to remove (code-server's, Chromium profiles).
const liveTempDirs = new Set();
process.on('exit', () => {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  if (!process.env.PNDM_KEEP_TMP) for (const dir of liveTempDirs) rmSync(dir, { recursive: true, force: true });
});
// code-server runs in its own process group, so Ctrl-C in a terminal does not reach it. On a signal
// that nobody else handles, exit (running the hook above) instead of dying and leaving it behind. When
// the caller or playwright-core handles the signal, they exit themselves and the hook runs then.
const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };
let signalsHooked = false;
function hookSignals() {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const [sig, num] of Object.entries(SIGNALS)) {
    const onSignal = () => {
      if (process.listenerCount(sig) === 1) process.exit(128 + num);
    };
    process.on(sig, onSignal);
  }
}

/**
 * Start code-server on 127.0.0.1 with a free port, no auth, telemetry, update check and workspace
 * trust off, and fresh temporary user-data and extensions folders (unless given).
 * @param {{ extensionsDir?: string, userDataDir?: string, smokeTestDriver?: boolean, workspace?: string,
 *           extraArgs?: string[], env?: Record<string, string>, settings?: Record<string, unknown>,
 *           onLog?: (line: string) => void,
 *           healthTimeoutMs?: number }} opts  `env` is added to code-server's environment, which its
 *           extension host inherits (e.g. PNDM_TEST_GREP for the integration suite).
 * @returns {Promise<{ url: string, port: number, pid: number, logFile: string, tmp: string, userDataDir: string,
 *                     extensionsDir: string, stop: () => Promise<void>, startMs: number }>}
 */
export async function startCodeServer(opts = {}) {
  assertProvisioned();
  const { smokeTestDriver = false, workspace, extraArgs = [], env = {}, onLog, healthTimeoutMs = 60_000 } = opts;
  hookSignals();
  const tmp = mkdtempSync(join(tmpdir(), 'pndm-code-server-'));
  liveTempDirs.add(tmp);
  const userDataDir = opts.userDataDir ?? join(tmp, 'user-data');
  const extensionsDir = opts.extensionsDir ?? join(tmp, 'extensions');
  mkdirSync(userDataDir, { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const settingsFile = join(userDataDir, 'User', 'settings.json');
  if (!existsSync(settingsFile)) {
    mkdirSync(join(userDataDir, 'User'), { recursive: true });
    writeFileSync(settingsFile, JSON.stringify({ ...DEFAULT_SETTINGS, ...(opts.settings ?? {}) }, null, 2));
  }
  const port = await freePort();
  const config = join(tmp, 'config.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logFile = join(tmp, 'code-server.log');
  const args = [
    CODE_SERVER_ENTRY,
    '--config',
    config,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ...extraArgs,
    ...(workspace ? [workspace] : []),
  ];
  const child = spawn(NODE24_BIN, args, {
    cwd: tmp,
    env: { ...codeServerEnv(), ...env },
    detached: true, // own process group: stop() kills code-server, its extension host and helpers
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  liveGroups.add(pid);
  const logStream = createWriteStream(logFile);
  const tail = [];
  let exited = null;
  const exitPromise = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }),
  );
  for (const s of [child.stdout, child.stderr]) {
    let buf = '';
    s.on('data', (d) => {
      logStream.write(d);
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const l of lines) {
        tail.push(l);
        if (tail.length > 40) tail.shift();
        onLog?.(l);
      }
    });
  }

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup(pid, 'SIGTERM');
    const deadline = Date.now() + 5000;
    // Wait for the whole group to be gone (kill(-pid, 0) fails once no member is left).
    while (Date.now() < deadline && (killGroup(pid, 0) || !exited)) await sleep(100);
    if (killGroup(pid, 0)) killGroup(pid, 'SIGKILL');
    await settleWithin(exitPromise, 2000);
    liveGroups.delete(pid);
    logStream.end();
    if (!process.env.PNDM_KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
    liveTempDirs.delete(tmp);
  };

  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  try {
    for (;;) {
      if (exited) throw new Error(`code-server exited early (${exited.code ?? exited.signal})`);
      if (Date.now() - t0 > healthTimeoutMs) throw new Error(`code-server not healthy after ${healthTimeoutMs} ms`);
      try {
        const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (r.ok) break;
      } catch {}
      await sleep(150);
    }
  } catch (e) {
    await stop();
    e.message += `\n--- code-server log (last lines) ---\n${tail.join('\n')}`;
    throw e;
  }
  return { url, port, pid, logFile, tmp, userDataDir, extensionsDir, stop, startMs: Date.now() - t0 };
}

/** Install a packaged extension (.vsix) into an extensions folder (replaces an installed copy). */
export function installVsix(vsixPath, extensionsDir) {
  assertProvisioned();
  if (!existsSync(vsixPath)) throw new Error(`no such VSIX: ${vsixPath}`);
  mkdirSync(extensionsDir, { recursive: true });
  const ud = mkdtempSync(join(tmpdir(), 'pndm-vsix-ud-'));
  try {
    const r = spawnSync(
      NODE24_BIN,
      [CODE_SERVER_ENTRY, '--user-data-dir', ud, '--extensions-dir', extensionsDir, '--install-extension', vsixPath, '--force'],
      { encoding: 'utf8', env: codeServerEnv(), timeout: 120_000 },
    );
    if (r.status !== 0) throw new Error(`installing ${vsixPath} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(ud, { recursive: true, force: true });
  }
}

/**
 * Launch Debian's Chromium through playwright-core with a fresh profile.
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, page: import('playwright-core').Page, close: () => Promise<void> }>}
 */
export async function launchBrowser({ headless = true, viewport = { width: 1440, height: 900 } } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing: run \`node scripts/vscode/provision.mjs\``);
  const { chromium } = await import('playwright-core');
  hookSignals();
  const profile = mkdtempSync(join(tmpdir(), 'pndm-chromium-'));
  liveTempDirs.add(profile);
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless,
      args: CHROMIUM_ARGS,
      viewport,
      // Keep Chromium's crashpad database and caches inside the temporary profile, not in ~/.config.
      env: { ...process.env, XDG_CONFIG_HOME: join(profile, 'xdg-config'), XDG_CACHE_HOME: join(profile, 'xdg-cache') },
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    liveTempDirs.delete(profile);
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await settleWithin(context.close(), 10_000);
    rmSync(profile, { recursive: true, force: true });
    liveTempDirs.delete(profile);
  };
  return { context, page, close };
}
