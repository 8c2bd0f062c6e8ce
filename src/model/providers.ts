/**
 * Execution providers: which device onnxruntime runs the network on, and the fallback to CPU.
 * onnxruntime-node 1.30's prebuilt binaries ship: CPU everywhere; CUDA 12 on Linux x64 (its libraries
 * are downloaded at install time only with ONNXRUNTIME_NODE_INSTALL=cuda12); DirectML on Windows;
 * CoreML on macOS; WebGPU (Dawn: Vulkan, D3D12 or Metal) on Windows, macOS and Linux x64. A provider
 * whose libraries or device are missing makes InferenceSession.create throw (it does not fall back by
 * itself), so each candidate is tried in turn and CPU is the last resort. The provider actually used
 * is always reported. `auto` opens every candidate that loads; onnxModel.ts then times them
 * (autoProvider.ts), because a provider that loads is not necessarily faster than the CPU.
 */
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { PROVIDER_CHOICES, type ProviderChoice, type ProviderName } from './providerNames';
import { ensureRuntimeDir } from './runtimeDir';

export { PROVIDER_CHOICES, type ProviderChoice, type ProviderName } from './providerNames';

/** The part of an onnxruntime InferenceSession this project uses (lets tests inject fakes). */
export interface SessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.OnnxValue>>;
  release(): Promise<void>;
}

export type SessionFactory = (modelPath: string, options: ort.InferenceSession.SessionOptions) => Promise<SessionLike>;

export interface ProviderOptions {
  /** Default 'auto'. */
  readonly provider?: ProviderChoice;
  /** Threads inside one operator; default: onnxruntime decides (one per physical core). */
  readonly intraOpNumThreads?: number;
  /** How sessions are made; default: onnxruntime-node's InferenceSession.create. */
  readonly sessionFactory?: SessionFactory;
  readonly platform?: NodeJS.Platform;
  readonly arch?: string;
  /** Whether an NVIDIA driver is installed (default: /proc/driver/nvidia/version exists). */
  readonly nvidiaDriver?: boolean;
  /**
   * Where `auto` remembers its timed choice per (model SHA-256, machine); null: neither read nor
   * written. Default: provider-choice.json in the user's cache folder (autoProvider.ts).
   */
  readonly choiceCachePath?: string | null;
  /** Images per model call when `auto` times the candidates (the run's batch); default 16. */
  readonly timingBatch?: number;
}

export interface OpenedSession {
  readonly session: SessionLike;
  readonly provider: ProviderName;
  readonly requested: ProviderChoice;
  /** Why a requested provider was not used, and how to enable it (shown to the user). */
  readonly messages: string[];
  /** Facts a user cannot act on (e.g. absent hardware under `auto`): for the log only. */
  readonly notes: string[];
}

/** Every session `auto` could open: the GPU candidates that loaded, then CPU (always last). */
export interface OpenedCandidates {
  readonly sessions: { readonly provider: ProviderName; readonly session: SessionLike }[];
  readonly messages: string[];
  readonly notes: string[];
}

/** Whether the machine has an NVIDIA kernel driver (without one, CUDA cannot run whatever is installed). */
export function hasNvidiaDriver(platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'linux') return existsSync('/proc/driver/nvidia/version');
  if (platform === 'win32') return existsSync('C:\\Windows\\System32\\nvml.dll');
  return false;
}

/**
 * GPU providers `auto` tries, in order, before CPU: CUDA where an NVIDIA driver exists (Linux x64
 * binaries only), DirectML on Windows, CoreML on macOS, then WebGPU where onnxruntime-node ships it.
 */
export function autoProviders(
  platform: NodeJS.Platform = process.platform,
  nvidiaDriver = hasNvidiaDriver(platform),
  arch: string = process.arch,
): ProviderName[] {
  if (platform === 'linux')
    return [...(nvidiaDriver && arch === 'x64' ? (['cuda'] as const) : []), ...(arch === 'x64' ? (['webgpu'] as const) : [])];
  if (platform === 'win32') return ['dml', 'webgpu']; // the Windows binaries have no CUDA provider
  if (platform === 'darwin') return ['coreml', 'webgpu'];
  return [];
}

/** onnxruntime-node's own session factory, with native log output limited to fatal errors. */
export const defaultSessionFactory: SessionFactory = async (modelPath, options) => {
  // A missing CUDA library is an expected case, reported by the thrown error; keep native logs quiet.
  // (env.logLevel is read once, when the first session is created.)
  if (ort.env.logLevel === undefined || ort.env.logLevel === 'warning') ort.env.logLevel = 'fatal';
  const first = options.executionProviders?.[0];
  const name = typeof first === 'string' ? first : first?.name;
  // onnxruntime-node silently drops a provider its binaries lack and runs on CPU: refuse instead, so
  // that the fallback is said and the provider reported is the one running
  if (name && name !== 'cpu' && !ort.listSupportedBackends().some((b) => b.name === name)) {
    throw new Error(`onnxruntime-node ${ort.env.versions.node ?? ''} has no ${name} provider for ${process.platform}-${process.arch}`);
  }
  if (name === 'webgpu') ensureRuntimeDir();
  return ort.InferenceSession.create(modelPath, options);
};

/** Check the provider choice and thread count; returns the choice ('auto' when unset). */
export function checkProviderOptions(options: ProviderOptions): ProviderChoice {
  const requested = options.provider ?? 'auto';
  if (!(PROVIDER_CHOICES as readonly string[]).includes(requested)) {
    throw new Error(`Unknown execution provider "${requested}"; use one of ${PROVIDER_CHOICES.join(', ')}.`);
  }
  const threads = options.intraOpNumThreads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new Error(`intraOpNumThreads must be a positive integer (or left unset), got ${threads}.`);
  }
  return requested;
}

function sessionOptions(options: ProviderOptions): ort.InferenceSession.SessionOptions {
  const threads = options.intraOpNumThreads;
  return { graphOptimizationLevel: 'all', ...(threads !== undefined ? { intraOpNumThreads: threads } : {}) };
}

/**
 * Create a session on the requested provider, falling back to CPU with an explanation. For `auto` this
 * is the first candidate that loads (no timing); openOnnxModel times them with {@link openCandidates}.
 */
export async function createSession(modelPath: string, options: ProviderOptions = {}): Promise<OpenedSession> {
  const requested = checkProviderOptions(options);
  const platform = options.platform ?? process.platform;
  const factory = options.sessionFactory ?? defaultSessionFactory;
  const base = sessionOptions(options);
  const messages: string[] = [];
  const notes: string[] = [];
  const candidates: ProviderName[] = requested === 'auto' ? autoCandidates(options, notes) : requested === 'cpu' ? [] : [requested];
  for (const provider of candidates) {
    try {
      // CPU after the GPU provider takes the operators the GPU provider cannot run.
      const session = await factory(modelPath, { ...base, executionProviders: [provider, 'cpu'] });
      return { session, provider, requested, messages, notes };
    } catch (error) {
      (requested === 'auto' && !actionable(provider, options) ? notes : messages).push(
        fallbackMessage(provider, error, platform, requested === 'auto'),
      );
    }
  }
  const session = await factory(modelPath, { ...base, executionProviders: ['cpu'] });
  return { session, provider: 'cpu', requested, messages, notes };
}

/** `auto`'s GPU candidates on this machine, in order (before CPU). */
export function autoCandidateList(options: ProviderOptions): ProviderName[] {
  return autoCandidates(options, []);
}

/** `auto`'s GPU candidates; says in `notes` (the log) which providers it leaves out and why. */
function autoCandidates(options: ProviderOptions, notes: string[]): ProviderName[] {
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const nvidia = options.nvidiaDriver ?? hasNvidiaDriver(platform);
  if (platform === 'linux' && arch === 'x64' && !nvidia) notes.push('auto: no NVIDIA driver on this machine, so CUDA was not tried.');
  return autoProviders(platform, nvidia, arch);
}

/**
 * Whether an `auto` candidate that failed to load is worth telling the user about: CUDA with an
 * NVIDIA driver present (its libraries are missing: installable). Absent hardware — no WebGPU
 * adapter, no DirectML device — is not something to act on.
 */
function actionable(provider: ProviderName, options: ProviderOptions): boolean {
  return provider === 'cuda' && (options.nvidiaDriver ?? hasNvidiaDriver(options.platform ?? process.platform));
}

/**
 * `auto`: open every candidate that loads, and CPU. Sessions are created one at a time (a GPU provider's
 * device setup is not something to run in parallel with another's).
 */
export async function openCandidates(modelPath: string, options: ProviderOptions = {}): Promise<OpenedCandidates> {
  checkProviderOptions(options);
  const platform = options.platform ?? process.platform;
  const factory = options.sessionFactory ?? defaultSessionFactory;
  const base = sessionOptions(options);
  const messages: string[] = [];
  const notes: string[] = [];
  const sessions: { provider: ProviderName; session: SessionLike }[] = [];
  for (const provider of autoCandidates(options, notes)) {
    try {
      sessions.push({ provider, session: await factory(modelPath, { ...base, executionProviders: [provider, 'cpu'] }) });
    } catch (error) {
      (actionable(provider, options) ? messages : notes).push(fallbackMessage(provider, error, platform, true));
    }
  }
  try {
    sessions.push({ provider: 'cpu', session: await factory(modelPath, { ...base, executionProviders: ['cpu'] }) });
  } catch (error) {
    await Promise.all(sessions.map((s) => s.session.release().catch(() => undefined)));
    throw error;
  }
  return { sessions, messages, notes };
}

const LABELS: Record<ProviderName, string> = { cpu: 'CPU', cuda: 'CUDA', dml: 'DirectML', coreml: 'CoreML', webgpu: 'WebGPU' };

/** Why `provider` could not be used and how to enable it. */
export function fallbackMessage(provider: ProviderName, error: unknown, platform: NodeJS.Platform, auto: boolean): string {
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();
  const head = `${auto ? 'auto: ' : ''}the ${LABELS[provider]} execution provider could not be used (${reason}); running on CPU instead.`;
  return `${head} ${enableHint(provider, platform)}`;
}

/** How to make `provider` available on `platform`. */
export function enableHint(provider: ProviderName, platform: NodeJS.Platform): string {
  switch (provider) {
    case 'cuda':
      return platform === 'linux'
        ? "To use an NVIDIA GPU: install CUDA 12 and cuDNN 9, then fetch onnxruntime-node's CUDA libraries: " +
            '`ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js` (README: GPU).'
        : "onnxruntime-node's prebuilt CUDA provider exists only for Linux x64" +
            (platform === 'win32' ? '; on Windows choose dml (DirectML) for the GPU.' : '.');
    case 'dml':
      return platform === 'win32'
        ? 'DirectML needs a DirectX 12 capable GPU and an up-to-date graphics driver.'
        : 'DirectML exists only on Windows.';
    case 'coreml':
      return platform === 'darwin' ? 'CoreML needs macOS 10.15 or later.' : 'CoreML exists only on macOS.';
    case 'webgpu':
      return platform === 'linux'
        ? "WebGPU needs a Vulkan driver Dawn accepts: your GPU vendor's, or Mesa ≥ 24 (e.g. Debian: `apt-get install -t bookworm-backports mesa-vulkan-drivers`); onnxruntime-node ships it for Linux x64 only."
        : platform === 'win32'
          ? 'WebGPU needs a Direct3D 12 capable GPU and an up-to-date graphics driver.'
          : platform === 'darwin'
            ? 'WebGPU needs a Metal capable Mac.'
            : 'onnxruntime-node ships WebGPU for Windows, macOS and Linux x64 only.';
    case 'cpu':
      return '';
  }
}
