/**
 * Execution providers: which device onnxruntime runs the network on, and the fallback to CPU.
 * onnxruntime-node 1.30's prebuilt binaries ship: CPU everywhere; CUDA 12 on Linux x64 (its libraries
 * are downloaded at install time only with ONNXRUNTIME_NODE_INSTALL=cuda12); DirectML on Windows;
 * CoreML on macOS; WebGPU (experimental) on Windows, macOS and Linux x64. A provider whose libraries
 * or device are missing makes InferenceSession.create throw (it does not fall back by itself), so each
 * candidate is tried in turn and CPU is the last resort. The provider actually used is always reported.
 */
import * as ort from 'onnxruntime-node';
import { PROVIDERS } from '../protocol';

/** The execution providers a user can ask for: the same list the panel and settings offer. */
export const PROVIDER_CHOICES = PROVIDERS;
export type ProviderChoice = (typeof PROVIDER_CHOICES)[number];
export type ProviderName = Exclude<ProviderChoice, 'auto'>;

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
}

export interface OpenedSession {
  readonly session: SessionLike;
  readonly provider: ProviderName;
  readonly requested: ProviderChoice;
  /** Why a requested provider was not used, and how to enable it. */
  readonly messages: string[];
}

/** GPU providers `auto` tries, in order, before CPU. */
export function autoProviders(platform: NodeJS.Platform = process.platform): ProviderName[] {
  if (platform === 'linux') return ['cuda'];
  if (platform === 'win32') return ['dml']; // the Windows binaries have no CUDA provider
  if (platform === 'darwin') return ['coreml'];
  return [];
}

/** onnxruntime-node's own session factory, with native log output limited to fatal errors. */
export const defaultSessionFactory: SessionFactory = async (modelPath, options) => {
  // A missing CUDA library is an expected case, reported by the thrown error; keep native logs quiet.
  // (env.logLevel is read once, when the first session is created.)
  if (ort.env.logLevel === undefined || ort.env.logLevel === 'warning') ort.env.logLevel = 'fatal';
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

/** Create a session on the requested provider, falling back to CPU with an explanation. */
export async function createSession(modelPath: string, options: ProviderOptions = {}): Promise<OpenedSession> {
  const requested = checkProviderOptions(options);
  const threads = options.intraOpNumThreads;
  const platform = options.platform ?? process.platform;
  const factory = options.sessionFactory ?? defaultSessionFactory;
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
  };
  const candidates: ProviderName[] = requested === 'auto' ? autoProviders(platform) : requested === 'cpu' ? [] : [requested];
  const messages: string[] = [];
  for (const provider of candidates) {
    try {
      // CPU after the GPU provider takes the operators the GPU provider cannot run.
      const session = await factory(modelPath, { ...base, executionProviders: [provider, 'cpu'] });
      return { session, provider, requested, messages };
    } catch (error) {
      messages.push(fallbackMessage(provider, error, platform, requested === 'auto'));
    }
  }
  const session = await factory(modelPath, { ...base, executionProviders: ['cpu'] });
  return { session, provider: 'cpu', requested, messages };
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
      return 'WebGPU is experimental in onnxruntime-node and needs a GPU adapter (Vulkan on Linux, D3D12 on Windows, Metal on macOS).';
    case 'cpu':
      return '';
  }
}
