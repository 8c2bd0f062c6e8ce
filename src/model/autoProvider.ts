/**
 * `auto`: the fastest provider that loads, by measurement. A provider that loads is not necessarily
 * faster than the CPU — WebGPU on a software adapter (Mesa's lavapipe) is ~40× slower on the bundled
 * model — so each candidate runs one model call at the run's batch and the fastest wins. The choice is
 * remembered per (model SHA-256, machine, candidates that loaded) in a small JSON file, so the test
 * runs once per model and machine. No onnxruntime import: the calls come in as functions.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, homedir, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { ProviderName } from './providerNames';

/** One candidate: `callMs(batch)` runs one model call on `batch` images and returns its milliseconds. */
export interface TimedCandidate {
  readonly provider: ProviderName;
  callMs(batch: number): Promise<number>;
}

export interface ProviderTiming {
  readonly provider: ProviderName;
  /** Milliseconds of one call at `batch` images (after a warm-up call). */
  readonly ms: number;
  readonly batch: number;
  /**
   * Stopped early: one call on `batch` (fewer) images already took longer than the best call at the
   * run's batch, so this provider cannot win and was not timed at the full batch (`ms` is a lower bound).
   */
  readonly early?: boolean;
  /** The call failed: why (this provider is not used). */
  readonly error?: string;
}

export interface AutoChoice {
  readonly provider: ProviderName;
  readonly batch: number;
  readonly timings: readonly ProviderTiming[];
  /** e.g. "provider: webgpu, 7.9× faster than cpu in a one-call test at batch 16". */
  readonly summary: string;
  readonly measuredAt: string;
}

/**
 * Time each candidate: CPU first (a warm-up call, then the timed call, at `batch`). Every other one
 * gets a warm-up at batch 1, then timed calls at batch 1, 4, 16, 64 … on the way to `batch`, and stops
 * as soon as one of them is already slower than the best full-batch call (a call on more images does
 * not take less time, so it cannot win): a software adapter then costs a few seconds, not two full
 * batches of a minute each. One that gets through is warmed up and timed at `batch`.
 */
export async function timeCandidates(candidates: readonly TimedCandidate[], batch: number): Promise<ProviderTiming[]> {
  const ordered = [...candidates].sort((a, b) => Number(b.provider === 'cpu') - Number(a.provider === 'cpu'));
  const timings: ProviderTiming[] = [];
  let best = Infinity;
  for (const candidate of ordered) {
    try {
      const early = candidate.provider === 'cpu' ? undefined : await stopsEarly(candidate, batch, best);
      if (early) {
        timings.push({ provider: candidate.provider, ...early, early: true });
        continue;
      }
      await candidate.callMs(batch); // warm-up: memory planning, shader compilation, kernel selection
      const ms = await candidate.callMs(batch);
      timings.push({ provider: candidate.provider, ms, batch });
      best = Math.min(best, ms);
    } catch (error) {
      if (candidate.provider === 'cpu') throw error;
      timings.push({ provider: candidate.provider, ms: Infinity, batch, error: firstLine(error) });
    }
  }
  return timings;
}

/** The first smaller batch at which `candidate` is already slower than `best` at the full batch, if any. */
async function stopsEarly(candidate: TimedCandidate, batch: number, best: number): Promise<{ ms: number; batch: number } | undefined> {
  if (batch > 1) await candidate.callMs(1);
  for (let n = 1; n < batch; n *= 4) {
    const ms = await candidate.callMs(n);
    if (ms >= best) return { ms, batch: n };
  }
  return undefined;
}

/** The fastest provider timed at the full batch. */
export function fastest(timings: readonly ProviderTiming[]): ProviderName {
  const full = timings.filter((t) => !t.early && !t.error);
  return full.reduce((a, b) => (b.ms < a.ms ? b : a)).provider;
}

/**
 * One line saying what `auto` picked and why, with the measured speed-ups: "provider: webgpu, 7.9×
 * faster than cpu in a one-call test at batch 16", "provider: cpu, over 40× faster than webgpu
 * (software adapter) in a one-call test at batch 16".
 */
export function describeChoice(
  provider: ProviderName,
  timings: readonly ProviderTiming[],
  batch: number,
  software: (p: ProviderName) => boolean = () => false,
): string {
  const winner = timings.find((t) => t.provider === provider && !t.early && !t.error);
  const others = timings.filter((t) => t.provider !== provider);
  if (!winner || others.length === 0) return `provider: ${provider}`;
  const label = (p: ProviderName) => `${p}${software(p) ? ' (software adapter)' : ''}`;
  const parts = others.map((t) => {
    if (t.error) return `${label(t.provider)} failed (${t.error})`;
    // early: the other's smaller-batch call took t.ms, so its full-batch call would take at least that long
    const ratio = t.ms / winner.ms;
    return `${t.early ? 'over ' : ''}${formatRatio(ratio)}× faster than ${label(t.provider)}`;
  });
  return `provider: ${provider}, ${parts.join(', ')} in a one-call test at batch ${batch}`;
}

function formatRatio(ratio: number): string {
  return ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();
}

/**
 * Whether the WebGPU adapter must be a software one (Dawn reports no adapter type through
 * onnxruntime-node): on Linux, when the Vulkan drivers named in VK_DRIVER_FILES / VK_ICD_FILENAMES are
 * all Mesa's lavapipe or SwiftShader, or when there is no GPU device node (/dev/dri/renderD*,
 * /dev/nvidia0) for a hardware driver to open.
 */
export function isSoftwareAdapter(provider: ProviderName, env: NodeJS.ProcessEnv = process.env, platform = process.platform): boolean {
  if (provider !== 'webgpu' || platform !== 'linux') return false;
  const listed = (env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? '').split(':').filter(Boolean);
  if (listed.length) return listed.every((f) => /lvp|swiftshader/i.test(f));
  const render = existsSync('/dev/dri') && readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  return !render && !existsSync('/dev/nvidia0');
}

/** The file `auto` remembers its choices in: $PNDM_CACHE_DIR, else the platform's user cache folder. */
export function choiceCacheFile(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const dir =
    env.PNDM_CACHE_DIR ??
    (platform === 'win32'
      ? join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'pndm', 'Cache')
      : platform === 'darwin'
        ? join(homedir(), 'Library', 'Caches', 'pndm')
        : join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pndm'));
  return join(dir, 'provider-choice.json');
}

/**
 * The cache key: the model's SHA-256, this machine (host, OS, CPU, onnxruntime version) and the
 * providers that loaded — a newly installed GPU driver or CUDA makes `auto` measure again.
 */
export function choiceKey(modelSha256: string, providers: readonly ProviderName[], runtimeVersion: string): string {
  const machine = [hostname(), process.platform, process.arch, cpus()[0]?.model ?? '', cpus().length, runtimeVersion].join('|');
  const digest = createHash('sha256').update(machine).digest('hex').slice(0, 16);
  return `${modelSha256}:${digest}:${[...providers].sort().join(',')}`;
}

/** The remembered choice for `key`, or undefined (a missing or unreadable file is no choice). */
export function readChoice(file: string, key: string): AutoChoice | undefined {
  const all = readAll(file);
  const found = all[key];
  return found && typeof found.provider === 'string' && typeof found.summary === 'string' ? found : undefined;
}

/** Remember `choice` under `key` (written to a temporary file and renamed, so a reader never sees half). */
export function writeChoice(file: string, key: string, choice: AutoChoice): void {
  const all = readAll(file);
  all[key] = choice;
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(all, null, 2)}\n`);
  renameSync(temporary, file);
}

function readAll(file: string): Record<string, AutoChoice> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, AutoChoice>) : {};
  } catch {
    return {};
  }
}
