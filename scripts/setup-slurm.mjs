// A throwaway single-node Slurm for the `pndm slurm` test: installs Debian's slurmctld, slurmd,
// slurm-client and munge when they are missing (root + apt-get), writes a munge key and a minimal
// slurm.conf into a temporary folder, and starts munged, slurmctld and slurmd on loopback. Nothing is
// written outside that folder, and stop() ends exactly the daemons it started.
//
//   node scripts/setup-slurm.mjs            start, print SLURM_CONF=..., wait for Ctrl-C, then stop
//   import { startSlurm } from './setup-slurm.mjs'   { env, dir, stop() } or { skip: 'why' }
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const SLURM_PACKAGES = ['slurmctld', 'slurmd', 'slurm-client', 'munge'];
const BINARIES = ['/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/sbin/munged', '/usr/bin/sbatch', '/usr/bin/scontrol'];

const missing = () => BINARIES.filter((b) => !existsSync(b));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Installs the packages if needed; returns why it could not, or undefined. */
function install() {
  if (missing().length === 0) return undefined;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get'))
    return `Slurm is not installed and this is not a Debian-like system (${missing()[0]} missing)`;
  if (process.getuid?.() !== 0) return `Slurm is not installed and installing it needs root (${missing()[0]} missing)`;
  try {
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=900', 'install', '-y', '--no-install-recommends', ...SLURM_PACKAGES], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 20 * 60_000,
    });
  } catch (error) {
    return `apt-get could not install ${SLURM_PACKAGES.join(' ')}: ${String(error.stderr ?? error.message)
      .trim()
      .split('\n')
      .pop()}`;
  }
  return missing().length ? `${missing()[0]} is still missing after apt-get install` : undefined;
}

/** `count` distinct free ports (held open together, so they cannot repeat). */
async function freePorts(count) {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function slurmConf(dir, host, ctlPort, dPort) {
  return `# written by scripts/setup-slurm.mjs: one node on loopback, everything in ${dir}
ClusterName=pndmtest
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=${ctlPort}
SlurmdPort=${dPort}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${join(dir, 'munge', 'munge.socket')}
SlurmUser=root
SlurmdUser=root
StateSaveLocation=${join(dir, 'state')}
SlurmdSpoolDir=${join(dir, 'spool')}
SlurmctldPidFile=${join(dir, 'slurmctld.pid')}
SlurmdPidFile=${join(dir, 'slurmd.pid')}
SlurmctldLogFile=${join(dir, 'slurmctld.log')}
SlurmdLogFile=${join(dir, 'slurmd.log')}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
NodeName=${host} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
`;
}

/** Waits until `check` returns true, polling; false after `ms`. */
async function until(check, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (check()) return true;
    } catch {
      // not up yet
    }
    await sleep(500);
  }
  return false;
}

export async function startSlurm() {
  const why = install();
  if (why) return { skip: why };
  const dir = mkdtempSync(join(tmpdir(), 'pndm-slurm-'));
  chmodSync(dir, 0o700);
  for (const sub of ['munge', 'state', 'spool']) mkdirSync(join(dir, sub), { mode: 0o700 });
  const key = join(dir, 'munge', 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const host = hostname().split('.')[0];
  const conf = join(dir, 'slurm.conf');
  const [ctlPort, dPort] = await freePorts(2);
  writeFileSync(conf, slurmConf(dir, host, ctlPort, dPort));
  const env = { ...process.env, SLURM_CONF: conf };
  const children = [];
  const stop = async () => {
    for (const child of children.reverse()) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    }
    await sleep(1000);
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const start = (command, args) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (e) => (stderr += e.message));
    children.push(child);
    return () => stderr.trim().split('\n').pop() ?? '';
  };
  const log = (name) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8').trim().split('\n').slice(-3).join(' | ') : '');
  const socket = join(dir, 'munge', 'munge.socket');
  const mungeErr = start('/usr/sbin/munged', [
    '--foreground',
    '--force',
    `--socket=${socket}`,
    `--key-file=${key}`,
    `--pid-file=${join(dir, 'munge', 'munged.pid')}`,
    `--log-file=${join(dir, 'munge', 'munged.log')}`,
    `--seed-file=${join(dir, 'munge', 'munged.seed')}`,
  ]);
  if (!(await until(() => existsSync(socket), 15_000))) {
    await stop();
    return { skip: `munged did not start: ${mungeErr() || 'no socket after 15 s'}` };
  }
  const ctlErr = start('/usr/sbin/slurmctld', ['-D', '-i', '-f', conf]);
  const dErr = start('/usr/sbin/slurmd', ['-D', '-f', conf]);
  const idle = () =>
    /State=(IDLE|MIXED)/.test(
      execFileSync('/usr/bin/scontrol', ['show', 'node', host], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    );
  if (!(await until(idle, 60_000))) {
    const reason = ctlErr() || log('slurmctld.log') || dErr() || log('slurmd.log') || 'the node did not become idle within 60 s';
    await stop();
    return { skip: `Slurm did not start: ${reason}` };
  }
  return { env: { SLURM_CONF: conf }, dir, host, stop };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const slurm = await startSlurm();
  if (slurm.skip) {
    console.error(`setup-slurm: ${slurm.skip}`);
    process.exit(1);
  }
  console.log(`SLURM_CONF=${slurm.env.SLURM_CONF}  (Ctrl-C stops munged, slurmctld and slurmd)`);
  process.once('SIGINT', () => slurm.stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => slurm.stop().then(() => process.exit(0)));
  setInterval(() => undefined, 1 << 30);
}
