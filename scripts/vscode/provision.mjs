#!/usr/bin/env node
// Provision an offline "real VS Code" for integration tests (see scripts/vscode/README.md):
//   - Debian packages: chromium (the browser Playwright drives) and libkrb5-dev (headers for
//     code-server's `kerberos` native module);
//   - Node 24 (code-server >= 4.133 requires it) from the npm registry, into .vscode-test/node24;
//   - code-server, built against Node 24's headers, into .vscode-test/code-server.
// Idempotent: a marker file with the versions makes a second run take well under a second.
// Usage: node scripts/vscode/provision.mjs [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
export const APT_PACKAGES = ['chromium', 'libkrb5-dev'];
// Tools node-gyp needs when a native module has to be compiled; present on this kind of machine,
// installed only if missing.
const BUILD_PACKAGES = { 'g++': 'g++', make: 'make', python3: 'python3' };

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// PNDM_VSCODE_TEST_DIR may point several clones at one shared install (default: <repo>/.vscode-test).
export const CACHE = process.env.PNDM_VSCODE_TEST_DIR ? resolve(process.env.PNDM_VSCODE_TEST_DIR) : join(REPO, '.vscode-test');
const MARKER = join(CACHE, 'provisioned.json');
const LOCK = join(CACHE, 'provision.lock');

const arch = process.arch; // x64, arm64
const nodePkg = `node-linux-${arch}`;
export const NODE24_DIR = join(CACHE, 'node24', 'node_modules', nodePkg);
export const NODE24_BIN = join(NODE24_DIR, 'bin', 'node');
export const CODE_SERVER_DIR = join(CACHE, 'code-server', 'node_modules', 'code-server');
export const CODE_SERVER_ENTRY = join(CODE_SERVER_DIR, 'out', 'node', 'entry.js');
export const CHROMIUM = '/usr/bin/chromium';

// Native modules code-server's postinstall must have built; if one is missing, the install scripts
// did not run (npm 11 blocks dependency install scripts unless package.json#allowScripts names them).
// Each entry: alternatives, one of which must exist (node-pty ships prebuilds, the others compile).
const NATIVE_CHECKS = [
  ['lib/vscode/node_modules/node-pty/build/Release/pty.node', `lib/vscode/node_modules/node-pty/prebuilds/linux-${process.arch}/pty.node`],
  ['lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node'],
  ['lib/vscode/node_modules/kerberos/build/Release/kerberos.node'],
  ['lib/vscode/node_modules/@vscode/native-watchdog/build/Release/watchdog.node'],
  ['lib/vscode/bin/remote-cli/code-server'],
];

const log = (...a) => console.log('[provision]', ...a);
const t0 = Date.now();
const secs = (t) => ((Date.now() - t) / 1000).toFixed(1) + ' s';

function run(cmd, args, opts = {}) {
  const t = Date.now();
  log(`$ ${cmd} ${args.join(' ')}${opts.cwd ? `   (in ${opts.cwd})` : ''}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw new Error(`${cmd} failed to start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  log(`  done in ${secs(t)}`);
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function ensureApt() {
  const missing = APT_PACKAGES.filter((p) => !dpkgInstalled(p));
  for (const [tool, pkg] of Object.entries(BUILD_PACKAGES)) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0 && !dpkgInstalled(pkg)) missing.push(pkg);
  }
  if (!missing.length) {
    log(`apt: ${APT_PACKAGES.join(', ')} already installed`);
    return;
  }
  const cmd = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing.join(' ')}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`Debian packages missing: ${missing.join(', ')}. Run as root:\n  sudo sh -c '${cmd}'`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', ...missing], { env });
}

function readMarker() {
  try {
    return JSON.parse(readFileSync(MARKER, 'utf8'));
  } catch {
    return null;
  }
}

function writeJson(file, obj) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(obj, null, 2) + '\n');
}

// npm environment for a clean install in a cache folder: no audit/fund noise, and no influence of
// the repository's own .npmrc (npm stops at the nearest package.json, i.e. the cache folder).
// This process may itself run under `npm test`: npm's lifecycle variables (NODE=/usr/bin/node,
// npm_node_execpath, npm_config_nodedir, npm_package_*…) would make the nested npm and code-server's
// postinstall use Node 20. Start from the environment without them.
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE' && k !== 'INIT_CWD'));
}

function npmEnv(extra = {}) {
  return {
    ...cleanEnv(),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

function installNode24() {
  const dir = join(CACHE, 'node24');
  rmSync(dir, { recursive: true, force: true });
  // The `node@24` package only runs a preinstall script that installs `node-linux-<arch>@24.x`;
  // installing that package directly gives the same binary and headers with no install script.
  writeJson(join(dir, 'package.json'), {
    name: 'pndm-vscode-test-node24',
    private: true,
    description: 'Node 24 for code-server (integration tests only; not a project dependency)',
    dependencies: { [nodePkg]: NODE24_VERSION },
  });
  run('npm', ['install'], { cwd: dir, env: npmEnv() });
  const v = spawnSync(NODE24_BIN, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0 || v.stdout.trim() !== `v${NODE24_VERSION}`)
    throw new Error(`Node 24 not usable at ${NODE24_BIN}: ${v.stdout}${v.stderr}`);
  if (!existsSync(join(NODE24_DIR, 'include', 'node', 'node_api.h')))
    throw new Error(`Node 24 headers missing under ${NODE24_DIR}/include/node`);
  log(`Node ${v.stdout.trim()} at ${NODE24_BIN}`);
}

export function node24Env(extra = {}) {
  return {
    ...cleanEnv(),
    PATH: `${dirname(NODE24_BIN)}:${process.env.PATH}`,
    // This machine's ~/.npmrc sets nodedir=/usr (Node 20's headers); native modules for code-server
    // must be built against Node 24's headers, which the node-linux-<arch> package ships.
    npm_config_nodedir: NODE24_DIR,
    ...extra,
  };
}

// code-server writes ~/.config/code-server/config.yaml and ~/.local/share/code-server on any start,
// even `--version`: point XDG dirs at the cache so nothing is written to the user's home.
export function codeServerXdgEnv() {
  return {
    XDG_CONFIG_HOME: join(CACHE, 'xdg', 'config'),
    XDG_DATA_HOME: join(CACHE, 'xdg', 'data'),
    XDG_CACHE_HOME: join(CACHE, 'xdg', 'cache'),
  };
}

function codeServerVersion() {
  return spawnSync(NODE24_BIN, [CODE_SERVER_ENTRY, '--version'], { encoding: 'utf8', env: node24Env(codeServerXdgEnv()) });
}

function node24Ok() {
  if (!existsSync(NODE24_BIN)) return false;
  const v = spawnSync(NODE24_BIN, ['--version'], { encoding: 'utf8' });
  return v.status === 0 && v.stdout.trim() === `v${NODE24_VERSION}`;
}

function installCodeServer() {
  const dir = join(CACHE, 'code-server');
  rmSync(dir, { recursive: true, force: true });
  // npm 11 blocks dependency install scripts unless package.json#allowScripts approves them
  // (`--allow-scripts` on the command line is an error in a project-scoped install). code-server's
  // postinstall runs `npm install --omit=dev` in lib/vscode and lib/vscode/extensions; those two
  // package.json files carry their own allowScripts for node-pty, kerberos, spdlog, @parcel/watcher…
  writeJson(join(dir, 'package.json'), {
    name: 'pndm-vscode-test-code-server',
    private: true,
    description: 'code-server for offline integration tests (not a project dependency)',
    dependencies: { 'code-server': CODE_SERVER_VERSION },
    allowScripts: { [`code-server@${CODE_SERVER_VERSION}`]: true, argon2: true },
  });
  // JOBS=max: node-gyp compiles each native module (sqlite3, spdlog, kerberos…) with make -j<cores>.
  run('npm', ['install'], { cwd: dir, env: npmEnv(node24Env({ JOBS: 'max' })) });
  const missing = NATIVE_CHECKS.filter((alts) => !alts.some((p) => existsSync(join(CODE_SERVER_DIR, p)))).map((a) => a[0]);
  if (missing.length) throw new Error(`code-server install incomplete (install scripts skipped?); missing:\n  ${missing.join('\n  ')}`);
  const v = codeServerVersion();
  if (v.status !== 0 || !v.stdout.includes(`${CODE_SERVER_VERSION} `))
    throw new Error(`code-server --version failed: ${v.stdout}${v.stderr}`);
  log(`code-server ${v.stdout.trim().split('\n').pop()}`);
}

function acquireLock() {
  mkdirSync(CACHE, { recursive: true });
  try {
    closeSync(openSync(LOCK, 'wx'));
    writeFileSync(LOCK, String(process.pid));
  } catch {
    const pid = Number(readFileSync(LOCK, 'utf8'));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch {}
    if (alive) throw new Error(`another provision (pid ${pid}) is running; run provisioning sequentially`);
    writeFileSync(LOCK, String(process.pid));
  }
  return () => rmSync(LOCK, { force: true });
}

/** Ensure everything is installed. Returns paths. Fast (< 1 s) when already done. */
export function provision({ force = false } = {}) {
  ensureApt();
  const want = { node: NODE24_VERSION, codeServer: CODE_SERVER_VERSION, arch };
  const have = readMarker();
  const complete =
    have &&
    have.node === want.node &&
    have.codeServer === want.codeServer &&
    have.arch === want.arch &&
    existsSync(NODE24_BIN) &&
    existsSync(CODE_SERVER_ENTRY);
  if (complete && !force) {
    log(`Node ${NODE24_VERSION} and code-server ${CODE_SERVER_VERSION} already provisioned in ${CACHE}`);
  } else {
    const release = acquireLock();
    try {
      rmSync(MARKER, { force: true });
      if (force || !node24Ok()) installNode24();
      else log(`Node ${NODE24_VERSION} already present`);
      installCodeServer();
      writeJson(MARKER, { ...want, provisionedAt: new Date().toISOString() });
    } finally {
      release();
    }
  }
  log(`ready in ${secs(t0)}`);
  return { node: NODE24_BIN, codeServerEntry: CODE_SERVER_ENTRY, chromium: CHROMIUM, cache: CACHE };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    provision({ force: process.argv.includes('--force') });
  } catch (e) {
    console.error(`[provision] FAILED after ${secs(t0)}: ${e.message}`);
    process.exit(1);
  }
}
