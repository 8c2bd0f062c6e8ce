/**
 * Messages between the extension host (workerClient.ts) and the sampling worker (worker.ts).
 * The worker owns onnxruntime-node: sessions, the sampling loop, and turning states into frames.
 * Every request carries an `id`; every answer names the request it answers. Frames and the final
 * samples cross as transferred ArrayBuffers.
 */
import type { ModelInfo } from '../model/onnxModel';
import type { FrameData, Preview, ProviderName, RunProgress } from '../protocol';
import type { ImageShape, SamplerName, Spacing } from '../sampler';

// #region host → worker
/** Open (or reuse) the session for (modelPath, provider) and report what the adapter found. */
export interface LoadRequest {
  readonly type: 'load';
  readonly id: number;
  readonly modelPath: string;
  readonly provider: ProviderName;
}

export interface RunRequest {
  readonly type: 'run';
  readonly id: number;
  readonly modelPath: string;
  readonly provider: ProviderName;
  readonly sampler: SamplerName;
  readonly steps: number;
  readonly spacing: Spacing;
  readonly eta: number;
  readonly samples: number;
  /** 0..2³²−1 (the host has already drawn a random seed for −1). */
  readonly seed: number;
  readonly preview: Preview;
  /** Frames closer together than this are skipped (the final frame is always sent). */
  readonly frameIntervalMs: number;
}

/** Stop run `id` at the next model call. */
export interface CancelRequest {
  readonly type: 'cancel';
  readonly id: number;
}

export type ToWorker = LoadRequest | RunRequest | CancelRequest;
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
}

export interface FailedReply {
  readonly type: 'failed';
  readonly id: number;
  readonly message: string;
  /** True when the run stopped because it was cancelled. */
  readonly cancelled: boolean;
}

/** A line for the PNDM output channel. */
export interface LogReply {
  readonly type: 'log';
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

export type FromWorker = LoadedReply | StartedReply | FrameReply | DoneReply | FailedReply | LogReply;
// #endregion
