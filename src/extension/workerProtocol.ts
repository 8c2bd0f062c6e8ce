/**
 * Messages between the extension host (workerClient.ts) and the sampling worker (worker.ts).
 * The worker owns onnxruntime-node: sessions, the sampling loop, and turning states into frames.
 * Every request carries an `id`; every answer names the request it answers. Frames and the final
 * samples cross as transferred ArrayBuffers.
 */
import type { ModelInfo } from '../model/onnxModel';
import type { FrameData, Preview, ProviderName, RunProgress, VarianceChoice } from '../protocol';
import type { SpacingChoice } from '../runner/runSettings';
import type { TuneStart } from '../tune/tuneModel';
import type { ImageShape, SamplerName, SamplingSettings, SolverType } from '../sampler';

// #region host → worker
/** Open (or reuse) the session for (modelPath, provider) and report what the adapter found. */
export interface LoadRequest {
  readonly type: 'load';
  readonly id: number;
  readonly modelPath: string;
  readonly provider: ProviderName;
  /** The panel's samples per run: `auto` times its candidates at this batch. */
  readonly samples?: number;
}

export interface RunRequest {
  readonly type: 'run';
  readonly id: number;
  readonly modelPath: string;
  readonly provider: ProviderName;
  readonly sampler: SamplerName;
  readonly steps: number;
  readonly spacing: SpacingChoice;
  readonly eta: number;
  readonly variance: VarianceChoice;
  /** 0: the sampler's default. */
  readonly solverOrder: number;
  readonly solverType: SolverType;
  readonly epsScale: number;
  readonly tolerance: number;
  readonly samples: number;
  /** 0..2³²−1 (the host has already drawn a random seed for −1). */
  readonly seed: number;
  readonly preview: Preview;
  /** Index of the run's first image (default 0): re-sampling image k of a run is samples 1, firstImage k. */
  readonly firstImage?: number;
}

/** Tune a grid for (model, sampler, steps) on the CPU and save it where `tuned` finds it (as `pndm tune`). */
export interface TuneRequest {
  readonly type: 'tune';
  readonly id: number;
  readonly modelPath: string;
  readonly sampler: SamplerName;
  readonly steps: number;
  /** The tuner's sizes (defaults: `pndm tune`'s). */
  readonly trajectories?: number;
  readonly referenceSteps?: number;
  readonly start?: TuneStart;
  readonly candidates?: number;
  readonly sweeps?: number;
  readonly maxStepRatio?: number;
  readonly heldOut?: number;
}

/** Stop run (or tune) `id` at the next model call. */
export interface CancelRequest {
  readonly type: 'cancel';
  readonly id: number;
}

/** Report the worker's memory and session cache (`gc`: collect garbage first, for measurements). */
export interface StatsRequest {
  readonly type: 'stats';
  readonly id: number;
  readonly gc: boolean;
}

/**
 * Stop every run, wait for them to end (at their next model call), release every session, answer
 * `released` and exit with code 0. The host never terminates it (terminate() during a model call aborts
 * the process); it waits, and warns when that takes long.
 */
export interface ShutdownRequest {
  readonly type: 'shutdown';
}

/**
 * Tests only: fail the way a bug in the worker would — an exception thrown in the message handler, a
 * rejection nobody handles, or an exit nobody asked for (code 70).
 */
export interface CrashRequest {
  readonly type: 'crash';
  readonly how: 'throw' | 'reject' | 'exit';
}

export type ToWorker = LoadRequest | RunRequest | TuneRequest | CancelRequest | StatsRequest | ShutdownRequest | CrashRequest;
// #endregion

// #region worker → host
export interface LoadedReply {
  readonly type: 'loaded';
  readonly id: number;
  readonly info: ModelInfo;
}

/** The session is ready and the first model call is about to be made. */
export interface StartedReply {
  readonly type: 'started';
  readonly id: number;
  readonly info: ModelInfo;
  /** Model calls the run will make (undefined: adaptive). */
  readonly expectedNfe?: number;
}

export interface FrameReply {
  readonly type: 'frame';
  readonly id: number;
  readonly frame: FrameData;
  readonly progress: RunProgress;
  readonly final: boolean;
}

export interface DoneReply {
  readonly type: 'done';
  readonly id: number;
  /** The final samples [count, C, H, W] float32, for Save. */
  readonly x: ArrayBuffer;
  readonly count: number;
  readonly shape: ImageShape;
  readonly nfe: number;
  readonly wallMs: number;
  readonly modelMs: number;
  readonly provider: string;
  /** runJob's summaryLine. */
  readonly line: string;
  /** The sampler's settings the run used (the request resolved against the model). */
  readonly settings: SamplingSettings;
}

export interface FailedReply {
  readonly type: 'failed';
  readonly id: number;
  readonly message: string;
  /** True when the run stopped because it was cancelled. */
  readonly cancelled: boolean;
}

/** How far a tune is: its phase ('reference', 'costs', 'search', 'refine', 'held-out') and the work done in it. */
export interface TuneProgressReply {
  readonly type: 'tuneProgress';
  readonly id: number;
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  readonly note?: string;
}

export interface TunedReply {
  readonly type: 'tuned';
  readonly id: number;
  readonly timesteps: number[];
  readonly rms: number;
  readonly baseline: { readonly spacing: string; readonly rms: number };
  /** Where the grid was saved. */
  readonly file: string;
  /** The report `pndm tune` prints. */
  readonly lines: string[];
}

/** A line for the PNDM output channel. */
export interface LogReply {
  readonly type: 'log';
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

export interface StatsReply {
  readonly type: 'stats';
  readonly id: number;
  /** The worker's own V8 heap, bytes in use (after a collection when asked). */
  readonly heapUsed: number;
  /** The worker's ArrayBuffers and other memory outside its heap, bytes. */
  readonly external: number;
  /** Resident set of the whole process (extension host, every thread and onnxruntime), bytes. */
  readonly rss: number;
  /** Sessions in the cache, and runs going. */
  readonly sessions: number;
  readonly runs: number;
}

/** The answer to `shutdown`, sent just before the worker exits: how many sessions it released (the cache is empty). */
export interface ReleasedReply {
  readonly type: 'released';
  readonly sessions: number;
}

export type FromWorker =
  | TuneProgressReply
  | TunedReply
  | LoadedReply
  | StartedReply
  | FrameReply
  | DoneReply
  | FailedReply
  | LogReply
  | StatsReply
  | ReleasedReply;
// #endregion
