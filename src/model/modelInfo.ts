/**
 * What an opened model reports about itself: its inputs and outputs, how it is fed, its diffusion
 * facts and where they came from, and the execution provider in use — as plain data that survives
 * JSON (for the CLI's --json output, the panel, and the worker's messages).
 */
import type * as ort from 'onnxruntime-node';
import type { VarianceType } from '../sampler/options';
import type { PredictionType, ScheduleConfig } from '../sampler/schedule';
import type { ImageShape } from '../sampler/types';
import type { DiffusionField, TimestepSpacing } from './diffusionKeys';
import type { ConfigSource, DiffusionConfig } from './modelConfig';
import type { ModelIO, TimestepDtype, TimestepLayout } from './modelIO';
import type { TensorInfo } from './tensorInfo';
import type { OnnxHeader } from './onnxHeader';
import type { OpenedSession, ProviderChoice, ProviderName } from './providers';

/** Everything known about an opened model, as plain serialisable data. */
export interface ModelInfo {
  readonly path: string;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly imageInput: string;
  readonly timestepInput: string;
  readonly outputName: string;
  readonly imageShape: ImageShape;
  readonly timestepDtype: TimestepDtype;
  readonly timestepLayout: TimestepLayout;
  readonly fixedBatch: number | null;
  readonly maxBatch: number | null;
  /** Output channels when fixed in the model (2C: learned variance, the second half is dropped). */
  readonly outputChannels: number | null;
  readonly predictionType: PredictionType;
  readonly schedule: ScheduleConfig;
  readonly scheduleSource: ConfigSource;
  readonly configSources: Partial<Record<DiffusionField, ConfigSource>>;
  readonly schedulerConfigPath?: string;
  readonly setAlphaToOne?: boolean;
  readonly stepsOffset?: number;
  readonly timestepSpacing?: TimestepSpacing;
  /** DDPM's variance type from the model's config (undefined: fixed_small). */
  readonly varianceType?: VarianceType;
  /** x̂₀ clip range for DDIM and DDPM from clip_sample / clip_sample_range (undefined: no clip). */
  readonly clipSample?: number;
  readonly warnings: readonly string[];
  provider: ProviderName;
  readonly requestedProvider: ProviderChoice;
  readonly providerMessages: string[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly producer?: string;
  readonly opset?: number;
}

export interface ModelInfoParts {
  readonly path: string;
  readonly header: OnnxHeader;
  readonly config: DiffusionConfig;
  readonly io: ModelIO;
  readonly opened: OpenedSession;
  readonly batch?: number;
}

export function buildModelInfo({ path, header, config, io, opened, batch }: ModelInfoParts): ModelInfo {
  return withoutUndefined({
    path,
    inputs: opened.session.inputMetadata.map(describe),
    outputs: opened.session.outputMetadata.map(describe),
    imageInput: io.image.name,
    timestepInput: io.timestep.name,
    outputName: io.output.name,
    imageShape: io.imageShape,
    timestepDtype: io.timestep.dtype,
    timestepLayout: io.timestep.layout,
    fixedBatch: io.fixedBatch,
    maxBatch: io.fixedBatch ?? batch ?? null,
    outputChannels: io.outputChannels,
    predictionType: config.predictionType,
    schedule: config.schedule,
    scheduleSource: config.source,
    configSources: config.sources,
    schedulerConfigPath: config.schedulerConfigPath,
    setAlphaToOne: config.setAlphaToOne,
    stepsOffset: config.stepsOffset,
    timestepSpacing: config.timestepSpacing,
    varianceType: config.varianceType,
    clipSample: config.clipSample,
    warnings: config.warnings,
    provider: opened.provider,
    requestedProvider: opened.requested,
    providerMessages: opened.messages,
    metadata: header.metadata,
    producer: header.producerName,
    opset: header.opsets[''] ?? header.opsets['ai.onnx'],
  });
}

/** Drop keys whose value is undefined, so that the info survives a JSON round trip unchanged. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function describe(m: ort.InferenceSession.ValueMetadata): TensorInfo {
  return m.isTensor ? { name: m.name, dtype: m.type, shape: [...m.shape] } : { name: m.name, dtype: 'non-tensor', shape: [] };
}
