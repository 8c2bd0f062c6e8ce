/** The model side of the project: ONNX ε-models, their diffusion facts and execution providers (files: src/io). */
export { openOnnxModel, type OnnxEpsModel, type OpenModelOptions } from './onnxModel';
export type { ModelInfo } from './modelInfo';
export {
  PROVIDER_CHOICES,
  autoProviders,
  checkProviderOptions,
  createSession,
  defaultSessionFactory,
  enableHint,
  type OpenedSession,
  type ProviderChoice,
  type ProviderName,
  type ProviderOptions,
  type SessionFactory,
  type SessionLike,
} from './providers';
export { resolveDiffusionConfig, findSchedulerConfig, readSchedulerConfig, readDiffusionMetadata } from './modelConfig';
export type { ConfigSource, DiffusionConfig, ResolveConfigInput } from './modelConfig';
export { TIMESTEP_SPACINGS, type DiffusionField, type DiffusionOverrides, type TimestepSpacing } from './diffusionKeys';
export { detectModelIO, type ModelIO, type TimestepDtype, type TimestepLayout } from './modelIO';
export type { Dim, TensorInfo } from './tensorInfo';
export { alphaBarAt, predictionToEpsilon } from './predictionType';
export { inspectModelFile } from './modelFile';
export { readOnnxHeader, type OnnxHeader } from './onnxHeader';
