/**
 * Every message between the extension host and the sampling panel, and the settings they share.
 * Imported by both sides (src/extension and webview/); types only, plus the limits both sides check.
 * The webview speaks first (Ready); the host answers with Init, then streams frames while a run lasts.
 */
import { PROVIDER_CHOICES, type ProviderChoice } from './model/providerNames';
import type { Recipe } from './runner/recipe';
import type { SpacingChoice } from './runner/runSettings';
import { DEFAULT_OPTIONS, OPTION_LIMITS, VARIANCE_TYPES, type SamplerName, type SamplingSettings, type SolverType } from './sampler';

/** The execution providers a run may ask for: the model layer's list (src/model/providerNames.ts). */
export const PROVIDERS = PROVIDER_CHOICES;
export type ProviderName = ProviderChoice;

export const PREVIEWS = ['x0', 'xt'] as const;
/** x0: the predicted clean image (readable from the first step); xt: the noisy state itself. */
export type Preview = (typeof PREVIEWS)[number];

/** DDPM's variance: `auto` is the model's variance_type (scheduler_config.json / metadata), else fixed_small. */
export const VARIANCE_CHOICES = ['auto', ...VARIANCE_TYPES] as const;
export type VarianceChoice = (typeof VARIANCE_CHOICES)[number];

/** What a run is asked for: the panel's controls, defaulted from the `pndm.*` settings. */
export interface RunSettings {
  readonly sampler: SamplerName;
  readonly steps: number;
  readonly samples: number;
  /** −1: a new random seed each run. */
  readonly seed: number;
  /** auto: the model's timestep_spacing, else leading. */
  readonly spacing: SpacingChoice;
  readonly eta: number;
  /** DDPM only. */
  readonly variance: VarianceChoice;
  /** UniPC's, iPNDM's and iPNDM-v's order; 0: the sampler's default (UniPC 2, iPNDM 4). Ignored by the others. */
  readonly solverOrder: number;
  /** UniPC's B(h). */
  readonly solverType: SolverType;
  /** Every ε the model returns times this, for every sampler (1: the model as it is). */
  readonly epsScale: number;
  /** The adaptive probability-flow solver's tolerance (pf only). */
  readonly tolerance: number;
  readonly provider: ProviderName;
  readonly preview: Preview;
}

/** The solver options' values when nothing sets them (a run kept before the panel had these controls). */
export const SOLVER_OPTION_DEFAULTS = {
  solverOrder: 0,
  solverType: DEFAULT_OPTIONS.solverType,
  epsScale: 1,
  tolerance: DEFAULT_OPTIONS.tolerance,
} as const satisfies Pick<RunSettings, 'solverOrder' | 'solverType' | 'epsScale' | 'tolerance'>;

/** Inclusive bounds, enforced on the host for settings.json and for every webview message. */
export const LIMITS = {
  steps: { min: 1, max: 1000 },
  samples: { min: 1, max: 1024 },
  seed: { min: -1, max: 4294967295 },
  eta: { min: 0, max: 1 },
  /** 0 is the sampler's default; each sampler's own range is METHODS[s].solverOrders. */
  solverOrder: { min: 0, max: 4 },
  ...OPTION_LIMITS,
} as const;

/** What the panel shows about the model (a plain, serialisable summary of the adapter's findings). */
export interface ModelSummary {
  readonly path: string;
  readonly name: string;
  readonly bundled: boolean;
  /** e.g. "1×32×32". */
  readonly imageShape: string;
  readonly inputs: string;
  readonly predictionType: string;
  readonly numTrainTimesteps: number;
  readonly scheduleSource: string;
  readonly provider: string;
  /** `auto` only: why this provider ("provider: cpu, 40× faster than webgpu (software adapter) in a one-call test at batch 81"). */
  readonly providerChoice?: string;
  readonly warnings: readonly string[];
}

export interface RunProgress {
  /** Steps done, 1..steps. */
  readonly step: number;
  readonly steps: number;
  /** Model calls so far. */
  readonly nfe: number;
  /** Fraction of the trajectory done, 0..1. */
  readonly progress: number;
  /** Model calls per second so far. */
  readonly itPerSecond: number;
  /** Estimated seconds to the end (−1: not known yet). */
  readonly secondsLeft: number;
  /** The execution provider actually running the model. */
  readonly provider: string;
}

export interface RunSummary {
  readonly settings: RunSettings & { readonly seed: number };
  readonly nfe: number;
  readonly provider: string;
  readonly wallMs: number;
  readonly modelMs: number;
  /** One line, as the CLI prints it. */
  readonly line: string;
  /** The sampler's settings the run used (spacing `auto` resolved to the model's). */
  readonly sampling: SamplingSettings;
}

export enum MessageType {
  // #region to the webview
  Init = 'init',
  Settings = 'settings',
  Model = 'model',
  RunStarted = 'runStarted',
  Frame = 'frame',
  RunFinished = 'runFinished',
  RunCancelled = 'runCancelled',
  Error = 'error',
  Notice = 'notice',
  /** The title-bar Generate command (or its keybinding): the webview sends Generate with its form's values. */
  GenerateFromForm = 'generateFromForm',
  /** A finished run to show as the panel's own (a compare cell opened as a normal run). */
  ShowRun = 'showRun',
  /** One image of the last run sampled again on its own, with its denoising strip. */
  ImageResampled = 'imageResampled',
  /** The workspace's run history (sent with Init and after each finished run). */
  History = 'history',
  // #endregion
  // #region to the compare view
  CompareInit = 'compareInit',
  CompareStarted = 'compareStarted',
  CompareProgress = 'compareProgress',
  CompareCell = 'compareCell',
  CompareEnded = 'compareEnded',
  // #endregion
  // #region from the compare view
  CompareReady = 'compareReady',
  RunComparison = 'runComparison',
  CancelComparison = 'cancelComparison',
  OpenCell = 'openCell',
  // #endregion
  // #region from the webview
  Ready = 'ready',
  Generate = 'generate',
  Cancel = 'cancel',
  Save = 'save',
  CopySettings = 'copySettings',
  BrowseModel = 'browseModel',
  UseBundledModel = 'useBundledModel',
  /** Show the recent-models quick pick. */
  RecentModels = 'recentModels',
  /** Open the compare view on the panel's model. */
  OpenCompare = 'openCompare',
  /** Re-sample one image of the last run on its own (exact: it has its own noise stream) and return its denoising strip. */
  ResampleImage = 'resampleImage',
  /** Export the last run's denoising as an animated GIF: the grid, or one image's strip. */
  ExportAnimation = 'exportAnimation',
  /** Show a run of the history in the panel (its settings, grid and summary). */
  OpenHistory = 'openHistory',
  /** Save a run of the history as a PNG (the picture kept with it, settings embedded). */
  SaveHistory = 'saveHistory',
  /** A PNG dropped on the panel: restore the settings it was made with. */
  OpenPng = 'openPng',
  // #endregion
}

/**
 * A frame: the `count` images already tiled into one grid picture, exactly as the saved PNG lays them
 * out (⌈√count⌉ columns, 2-pixel gaps; src/runner/png.ts tileGrid), 8 bits per channel with the
 * model's range [−1, 1] mapped to 0..255. `pixels` holds height·width·channels bytes, row-major,
 * channels interleaved. Tiling and quantising happen in the worker, so neither the extension host
 * nor the webview touches float data; the bytes cross both hops as an ArrayBuffer (transferred from
 * the worker, serialised as binary by webview.postMessage, checked in code-server).
 */
export interface FrameData {
  readonly pixels: ArrayBuffer;
  /** Images in the grid. */
  readonly count: number;
  /** 1 (grey) or 3 (RGB); other models show their first channel(s). */
  readonly channels: number;
  /** Size of the whole grid picture in pixels. */
  readonly height: number;
  readonly width: number;
}

export interface InitMessage {
  readonly type: MessageType.Init;
  readonly settings: RunSettings;
  readonly model?: ModelSummary;
  readonly running: boolean;
  readonly lastFrame?: FrameData & { readonly progress?: RunProgress };
  readonly lastSummary?: RunSummary;
  /** The workspace's run history, most recent first. */
  readonly history: readonly HistoryEntry[];
}
export interface SettingsMessage {
  readonly type: MessageType.Settings;
  readonly settings: RunSettings;
}
export interface ModelMessage {
  readonly type: MessageType.Model;
  readonly model: ModelSummary;
}
export interface RunStartedMessage {
  readonly type: MessageType.RunStarted;
  readonly settings: RunSettings;
  readonly expectedNfe?: number;
}
export interface FrameMessage extends FrameData {
  readonly type: MessageType.Frame;
  readonly progress: RunProgress;
  readonly final: boolean;
}
export interface RunFinishedMessage {
  readonly type: MessageType.RunFinished;
  readonly summary: RunSummary;
}
export interface RunCancelledMessage {
  readonly type: MessageType.RunCancelled;
}
export interface ErrorMessage {
  readonly type: MessageType.Error;
  readonly message: string;
  /** True when the error ended the current run (the panel leaves its running state). */
  readonly runEnded?: boolean;
}
export interface NoticeMessage {
  readonly type: MessageType.Notice;
  readonly message: string;
}

/** A finished run to show (a compare cell, or a run from the history): its settings in the form, its grid and summary line. */
export interface ShowRunMessage {
  readonly type: MessageType.ShowRun;
  readonly settings: RunSettings;
  /** The grid as a frame (a compare cell)… */
  readonly frame?: FrameData;
  /** …or as a PNG data: URL (a history entry). */
  readonly image?: string;
  readonly line: string;
}

export interface ImageResampledMessage {
  readonly type: MessageType.ImageResampled;
  /** The image's index in the grid (0-based, row-major). */
  readonly index: number;
  /** The image sampled again. */
  readonly image: FrameData;
  /** x̂₀ at each step, then the final image: the denoising strip. */
  readonly strip: readonly FrameData[];
  /**
   * Largest |difference| between the re-sampled image and the run's image, in the model's range (0:
   * identical). Undefined for a run opened from the history, whose float samples are not kept: the
   * webview compares the image with the kept picture at 8 bits.
   */
  readonly maxAbsDiff?: number;
  readonly nfe: number;
}

/** A finished run kept for the workspace (workspaceState): what it was, and its grid as a PNG. */
export interface HistoryEntry {
  readonly id: string;
  /** When it finished, ms since 1970. */
  readonly time: number;
  readonly modelPath: string;
  readonly settings: RunSettings;
  readonly line: string;
  /** The grid PNG (settings embedded, as Save writes it) as a data: URL; absent when it was too large to keep. */
  readonly png?: string;
}

export interface HistoryMessage {
  readonly type: MessageType.History;
  /** Most recent first. */
  readonly entries: readonly HistoryEntry[];
}

/** Only the host knows which command ran; only the webview knows the values typed in its form. */
export interface GenerateFromFormMessage {
  readonly type: MessageType.GenerateFromForm;
}

export interface ReadyMessage {
  readonly type: MessageType.Ready;
  /**
   * The summary line of the grid a restored page shows: after a window reload the host finds that run
   * in the history, so Save, Copy settings and Re-sample act on it.
   */
  readonly shownLine?: string;
}
export interface GenerateMessage {
  readonly type: MessageType.Generate;
  readonly settings: RunSettings;
}
export interface CancelMessage {
  readonly type: MessageType.Cancel;
}
export interface SaveMessage {
  readonly type: MessageType.Save;
}
export interface CopySettingsMessage {
  readonly type: MessageType.CopySettings;
}
export interface BrowseModelMessage {
  readonly type: MessageType.BrowseModel;
}
export interface UseBundledModelMessage {
  readonly type: MessageType.UseBundledModel;
}
export interface RecentModelsMessage {
  readonly type: MessageType.RecentModels;
}
export interface OpenCompareMessage {
  readonly type: MessageType.OpenCompare;
}
export interface ResampleImageMessage {
  readonly type: MessageType.ResampleImage;
  /** 0-based index into the last run's images. */
  readonly index: number;
}
export interface OpenHistoryMessage {
  readonly type: MessageType.OpenHistory;
  readonly id: string;
}
export interface SaveHistoryMessage {
  readonly type: MessageType.SaveHistory;
  readonly id: string;
}
export interface OpenPngMessage {
  readonly type: MessageType.OpenPng;
  /** The file's name (for messages). */
  readonly name: string;
  /** The file's bytes, base64. */
  readonly data: string;
}
export interface ExportAnimationMessage {
  readonly type: MessageType.ExportAnimation;
  /** Omitted: the whole grid (the run's frames); a number: that image's denoising strip (re-sampled first if needed). */
  readonly index?: number;
}

export type ToWebview =
  | InitMessage
  | SettingsMessage
  | ModelMessage
  | RunStartedMessage
  | FrameMessage
  | RunFinishedMessage
  | RunCancelledMessage
  | ErrorMessage
  | NoticeMessage
  | GenerateFromFormMessage
  | ShowRunMessage
  | ImageResampledMessage
  | HistoryMessage;

export type FromWebview =
  | ReadyMessage
  | GenerateMessage
  | CancelMessage
  | SaveMessage
  | CopySettingsMessage
  | BrowseModelMessage
  | UseBundledModelMessage
  | RecentModelsMessage
  | OpenCompareMessage
  | ResampleImageMessage
  | ExportAnimationMessage
  | OpenHistoryMessage
  | SaveHistoryMessage
  | OpenPngMessage;

/**
 * The settings file `pndm sample --settings` accepts (JSON, or a PNG saved by the CLI or the panel) and
 * "Copy settings" produces: the run's recipe, with the model named by file name and SHA-256 (see
 * src/runner/recipe.ts). Read by the CLI, all keys are optional (missing keys take its defaults).
 */
export type SettingsFile = Recipe;

/** What the webview persists with setState (restored after a window reload, also by the serializer). */
export interface WebviewState {
  readonly settings?: RunSettings;
  /** The model the panel was on (the host checks it again when reviving). */
  readonly modelPath?: string;
  /** The last finished grid as a PNG data: URL (only when small), repainted before the host answers. */
  readonly image?: string;
  readonly summaryLine?: string;
  /** The status line of that run (step N/N, calls, speed, provider). */
  readonly statusLine?: string;
  /** The settings the host last sent: a settings change overwrites only the controls whose setting changed. */
  readonly hostSettings?: RunSettings;
  /** The grid canvas's text alternative for that image. */
  readonly gridLabel?: string;
  /** Images in that grid and its size (to find the image under a click). */
  readonly grid?: { readonly count: number; readonly width: number; readonly height: number };
}

// #region compare view
/**
 * The accurate solves a comparison measures its cells against (from the same noise). Deterministic
 * samplers only; computed once per (model, seed, samples, reference) and cached by the host.
 */
export const REFERENCE_SOLVES = {
  'f-pndm-500': { sampler: 'f-pndm', steps: 500, label: 'F-PNDM 500 steps' },
  'f-pndm-250': { sampler: 'f-pndm', steps: 250, label: 'F-PNDM 250 steps' },
  'f-pndm-100': { sampler: 'f-pndm', steps: 100, label: 'F-PNDM 100 steps' },
  'ddim-1000': { sampler: 'ddim', steps: 1000, label: 'DDIM 1000 steps' },
} as const satisfies Record<string, { sampler: SamplerName; steps: number; label: string }>;
export type ReferenceName = keyof typeof REFERENCE_SOLVES;

/** Inclusive bounds of a comparison, enforced on the host. */
export const COMPARE_LIMITS = {
  /** Distinct step counts (columns). */
  stepCounts: { min: 1, max: 8 },
  samples: { min: 1, max: 256 },
  seed: { min: 0, max: 4294967295 },
} as const;

/** What "Run comparison" asks for: every (sampler, steps) cell from the same noise. */
export interface CompareRequest {
  /** Rows, distinct, in the order shown. */
  readonly samplers: readonly SamplerName[];
  /** Columns, distinct, ascending. */
  readonly steps: readonly number[];
  readonly samples: number;
  readonly seed: number;
  /** Where every cell's steps are placed (the reference is always solved on its own leading grid). */
  readonly spacing: SpacingChoice;
  readonly reference: ReferenceName;
}

/** One finished cell: its grid, its cost and its distance to the reference solution. */
export interface CompareCellResult {
  readonly sampler: SamplerName;
  readonly steps: number;
  readonly nfe: number;
  readonly wallMs: number;
  /** Root-mean-square difference to the reference samples, over every pixel of every sample (model range [−1, 1]). */
  readonly rms: number;
  readonly frame: FrameData;
}

export interface CompareInitMessage {
  readonly type: MessageType.CompareInit;
  readonly model?: ModelSummary;
  /** Every sampler of ours, in SAMPLER_NAMES order, with its label. */
  readonly samplers: readonly { readonly name: SamplerName; readonly label: string }[];
  /** The last comparison (to repaint a view that was hidden), if any. */
  readonly request?: CompareRequest;
  readonly cells: readonly (CompareCellResult & { readonly index: number })[];
  readonly running: boolean;
}
export interface CompareStartedMessage {
  readonly type: MessageType.CompareStarted;
  readonly request: CompareRequest;
  /** Row-major: cell i is (samplers[⌊i / steps.length⌋], steps[i mod steps.length]). */
  readonly cells: readonly { readonly sampler: SamplerName; readonly steps: number }[];
  readonly referenceLabel: string;
  /** True when the reference came from the cache. */
  readonly referenceCached: boolean;
}
export interface CompareProgressMessage {
  readonly type: MessageType.CompareProgress;
  /** −1: the reference solve; otherwise the cell index. */
  readonly index: number;
  readonly step: number;
  readonly steps: number;
  /** Cells finished so far. */
  readonly done: number;
  readonly total: number;
}
export interface CompareCellMessage {
  readonly type: MessageType.CompareCell;
  readonly index: number;
  readonly result: CompareCellResult;
}
export interface CompareEndedMessage {
  readonly type: MessageType.CompareEnded;
  readonly outcome: 'finished' | 'cancelled' | 'failed';
  /** One line: what happened (and for a failure what to do). */
  readonly message: string;
}
export type ToCompareView =
  | CompareInitMessage
  | CompareStartedMessage
  | CompareProgressMessage
  | CompareCellMessage
  | CompareEndedMessage
  | ErrorMessage
  | NoticeMessage;

export interface CompareReadyMessage {
  readonly type: MessageType.CompareReady;
}
export interface RunComparisonMessage {
  readonly type: MessageType.RunComparison;
  readonly request: CompareRequest;
}
export interface CancelComparisonMessage {
  readonly type: MessageType.CancelComparison;
}
export interface OpenCellMessage {
  readonly type: MessageType.OpenCell;
  readonly index: number;
}
export type FromCompareView = CompareReadyMessage | RunComparisonMessage | CancelComparisonMessage | OpenCellMessage;
// #endregion
