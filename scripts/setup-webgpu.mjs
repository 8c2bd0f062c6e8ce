#!/usr/bin/env node
// Installs a software Vulkan driver that Dawn (onnxruntime-node's WebGPU provider) accepts, so the
// WebGPU tests run on a machine without a GPU: Mesa's lavapipe from Mesa 24 on. Debian bookworm's own
// Mesa 22.3 is refused by Dawn ("Vulkan shaderUniform*ArrayDynamicIndexing required"); the
// `<codename>-backports` suite carries Mesa 25. The backports suite is added on the SAME mirror the
// machine's other Debian sources use, read from its apt configuration at run time, so no mirror host
// name is ever written into the repository.
//
// Prints one line and exits 0 either way: "webgpu-setup: ready (...)" or "webgpu-setup: skipped: <why>"
// (not Debian, not root, no backports suite, apt failed). The WebGPU tests themselves decide whether
// they can run by opening a WebGPU session; this script only makes that possible where it can.
// Usage: node scripts/setup-webgpu.mjs [--check]   (--check: report, change nothing)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MIN_MESA = 24;
const SOURCES_DIR = '/etc/apt/sources.list.d';
const OUR_SOURCE = join(SOURCES_DIR, 'pndm-webgpu-backports.sources');

/** The installed mesa-vulkan-drivers version, or undefined. */
function mesaVersion() {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status} ${Version}', 'mesa-vulkan-drivers'], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.startsWith('install ok installed')) return undefined;
  return r.stdout.split(' ').at(-1);
}

const major = (version) => Number(/^(?:\d+:)?(\d+)/.exec(version ?? '')?.[1] ?? 0);

function osRelease() {
  try {
    return Object.fromEntries(
      readFileSync('/etc/os-release', 'utf8')
        .split('\n')
        .map((l) => /^([A-Z_]+)=(.*)$/.exec(l))
        .filter(Boolean)
        .map((m) => [m[1], m[2].replace(/^"|"$/g, '')]),
    );
  } catch {
    return {};
  }
}

/**
 * Every apt source as { types, uris, suites, components, signedBy }: one-line .list entries and deb822
 * .sources stanzas (files named *.disabled* are not read by apt, so not here either).
 */
export function readAptSources(root = '/etc/apt') {
  const files = [];
  if (existsSync(join(root, 'sources.list'))) files.push(join(root, 'sources.list'));
  const dir = join(root, 'sources.list.d');
  if (existsSync(dir)) for (const f of readdirSync(dir).sort()) if (/\.(list|sources)$/.test(f)) files.push(join(dir, f));
  const sources = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) sources.push(...parseDeb822(text));
    else sources.push(...parseOneLine(text));
  }
  return sources;
}

export function parseOneLine(text) {
  const out = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const signedBy = /signed-by=(\S+)/.exec(m[2] ?? '')?.[1];
    out.push({ types: [m[1]], uris: [m[3]], suites: [m[4]], components: m[5].split(/\s+/).filter(Boolean), signedBy });
  }
  return out;
}

export function parseDeb822(text) {
  const out = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = {};
    let last;
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (m) fields[(last = m[1].toLowerCase())] = m[2].trim();
      else if (last && /^\s/.test(raw)) fields[last] += ` ${raw.trim()}`; // continuation (e.g. an inline key)
    }
    if (!fields.types || !fields.uris || !fields.suites) continue;
    if (/^(no|false)$/i.test(fields.enabled ?? '')) continue;
    const words = (s) => (s ?? '').split(/\s+/).filter(Boolean);
    out.push({
      types: words(fields.types),
      uris: words(fields.uris),
      suites: words(fields.suites),
      components: words(fields.components),
      signedBy: fields['signed-by'] && !fields['signed-by'].includes('BEGIN PGP') ? fields['signed-by'] : undefined,
    });
  }
  return out;
}

/** The source that serves `codename` itself (the release's main archive), or undefined. */
export function mainArchive(sources, codename) {
  return sources.find((s) => s.types.includes('deb') && s.suites.includes(codename) && s.components.includes('main'));
}

function apt(args) {
  // Other processes may hold apt's locks (e.g. unattended upgrades): wait for them rather than fail.
  const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=900', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** { ready: boolean, message: string } — makes Mesa ≥ 24's lavapipe available where it can. */
export function setupWebgpu({ check = false } = {}) {
  const have = mesaVersion();
  if (major(have) >= MIN_MESA) return { ready: true, message: `ready (mesa-vulkan-drivers ${have})` };
  if (process.platform !== 'linux')
    return { ready: false, message: `skipped: the software Vulkan driver is set up on Debian Linux only, this is ${process.platform}` };
  const os = osRelease();
  const codename = os.VERSION_CODENAME;
  if (os.ID !== 'debian' || !codename)
    return {
      ready: false,
      message: `skipped: not Debian (${os.PRETTY_NAME ?? 'unknown OS'}), so no backports suite to take Mesa ≥ 24 from`,
    };
  if (process.getuid?.() !== 0)
    return {
      ready: false,
      message: 'skipped: installing mesa-vulkan-drivers from backports needs root (run the tests as root, or install Mesa ≥ 24 yourself)',
    };
  const sources = readAptSources();
  const backports = `${codename}-backports`;
  const main = mainArchive(sources, codename);
  if (!main)
    return { ready: false, message: `skipped: no apt source serves "${codename} main", so there is no mirror to take ${backports} from` };
  if (check)
    return {
      ready: false,
      message: `would add ${backports} from the machine's own Debian mirror and install mesa-vulkan-drivers (Mesa ${have ?? 'not installed'} < ${MIN_MESA})`,
    };
  if (!sources.some((s) => s.suites.includes(backports))) {
    const stanza = [
      'Types: deb',
      `URIs: ${main.uris[0]}`,
      `Suites: ${backports}`,
      'Components: main',
      ...(main.signedBy ? [`Signed-By: ${main.signedBy}`] : []),
      '',
    ].join('\n');
    writeFileSync(
      OUR_SOURCE,
      `# Added by pndm-sampler's scripts/setup-webgpu.mjs: Mesa >= ${MIN_MESA} for WebGPU tests (lavapipe).\n${stanza}`,
    );
  }
  const update = apt(['update']);
  if (!update.ok) return { ready: false, message: `skipped: apt-get update failed: ${lastLine(update.output)}` };
  const install = apt(['install', '-y', '--no-install-recommends', '-t', backports, 'mesa-vulkan-drivers']);
  if (!install.ok)
    return { ready: false, message: `skipped: installing mesa-vulkan-drivers from ${backports} failed: ${lastLine(install.output)}` };
  const now = mesaVersion();
  if (major(now) < MIN_MESA)
    return { ready: false, message: `skipped: ${backports} has mesa-vulkan-drivers ${now ?? '(none)'}, Dawn needs Mesa ≥ ${MIN_MESA}` };
  return { ready: true, message: `ready (installed mesa-vulkan-drivers ${now} from ${backports})` };
}

function lastLine(text) {
  return (
    text
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .at(-1) ?? '(no output)'
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = setupWebgpu({ check: process.argv.includes('--check') });
  console.log(`webgpu-setup: ${result.message}`);
}
