/**
 * An ONNX diffusion network as an {@link EpsModel}: validates the file, resolves its diffusion facts,
 * opens an onnxruntime session on the chosen execution provider, and turns eps(x, t) into
 * session.run calls (chunked to the batch cap, one image at a time for fixed-batch models), converting
 * v / x₀ predictions to ε. Of a learned-variance output (2C channels) eps() keeps the ε half;
 * epsWithVariance() returns both halves, for DDPM's learned variance types.
 */
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { makeSchedule } from '../sampler/schedule';
import type { EpsModel, EpsWithVariance } from '../sampler/types';
import type { DiffusionOverrides } from './diffusionKeys';
import { resolveDiffusionConfig } from './modelConfig';
import { inspectModelFile } from './modelFile';
import { buildModelInfo, type ModelInfo } from './modelInfo';
import { detectModelIO, outputShapeError, type ModelIO } from './modelIO';
import { alphaBarAt, predictionToEpsilon } from './predictionType';
import { checkProviderOptions, createSession, fallbackMessage, type ProviderOptions, type SessionLike } from './providers';

export type { ModelInfo } from './modelInfo';

export interface OpenModelOptions extends ProviderOptions {
  /** At most this many images per session.run (default: the whole batch of an eps call). */
  readonly batch?: number;
  /** Image size for models with dynamic axes (must match fixed axes when given). */
  readonly height?: number;
  readonly width?: number;
  readonly channels?: number;
  /** Explicit diffusion facts; they override the model's metadata and scheduler_config.json. */
  readonly diffusion?: DiffusionOverrides;
  /** A scheduler_config.json to read instead of searching beside the model; null: read none. */
  readonly schedulerConfigPath?: string | null;
}

export interface OnnxEpsModel extends EpsModel {
  /** Both halves of a learned-variance output; refused when the model outputs ε only. */
  epsWithVariance(x: Float32Array, t: number): Promise<EpsWithVariance>;
  readonly info: ModelInfo;
  /** Milliseconds spent inside session.run so far. */
  readonly modelMs: number;
  /** eps() calls so far. */
  readonly calls: number;
  /** session.run calls so far. */
  readonly runs: number;
  dispose(): Promise<void>;
}

export async function openOnnxModel(path: string, options: OpenModelOptions = {}): Promise<OnnxEpsModel> {
  checkProviderOptions(options);
  if (options.batch !== undefined && !(Number.isInteger(options.batch) && options.batch >= 1)) {
    throw new Error(`The batch option must be a positive integer, got ${options.batch}.`);
  }
  const fullPath = resolve(path);
  const header = inspectModelFile(fullPath);
  const config = resolveDiffusionConfig({
    modelPath: fullPath,
    metadata: header.metadata,
    options: options.diffusion,
    schedulerConfigPath: options.schedulerConfigPath,
  });
  let opened;
  try {
    opened = await createSession(fullPath, options);
  } catch (error) {
    const version = ort.env.versions.node ?? '';
    throw new Error(
      `onnxruntime could not load ${fullPath}: ${(error as Error).message.trim()}. ` +
        `Check that it is a complete ONNX model whose opset and operators onnxruntime-node ${version} supports (re-export it if not).`,
      { cause: error },
    );
  }
  let io: ModelIO;
  try {
    io = detectModelIO(opened.session.inputMetadata, opened.session.outputMetadata, {
      ...options,
      path: fullPath,
      metadata: header.metadata,
    });
  } catch (error) {
    await opened.session.release();
    throw error;
  }
  const info = buildModelInfo({ path: fullPath, header, config, io, opened, batch: options.batch });
  return new OnnxSessionModel(opened.session, info, makeSchedule(config.schedule).alphasCumprod, options);
}

class OnnxSessionModel implements OnnxEpsModel {
  modelMs = 0;
  calls = 0;
  runs = 0;
  private released = false;

  constructor(
    private session: SessionLike,
    readonly info: ModelInfo,
    private readonly alphasCumprod: Float64Array,
    private readonly options: OpenModelOptions,
  ) {}

  async eps(x: Float32Array, t: number): Promise<Float32Array> {
    return (await this.predict(x, t, false)).eps;
  }

  epsWithVariance(x: Float32Array, t: number): Promise<EpsWithVariance> {
    return this.predict(x, t, true);
  }

  private async predict(x: Float32Array, t: number, withVariance: boolean): Promise<EpsWithVariance> {
    if (this.released) throw new Error(`The model ${this.info.path} was disposed; open it again.`);
    const { channels: C, height: H, width: W } = this.info.imageShape;
    const per = C * H * W;
    if (!(x instanceof Float32Array) || x.length === 0 || x.length % per !== 0) {
      throw new Error(
        `eps() needs a Float32Array of images [count, ${C}, ${H}, ${W}] (a multiple of ${per} values), got ${x?.length} values.`,
      );
    }
    if (!Number.isFinite(t)) throw new Error(`eps() needs a finite timestep, got ${t}.`);
    const T = this.alphasCumprod.length;
    const integer = this.info.timestepDtype === 'int64' || this.info.timestepDtype === 'int32';
    const tModel = integer ? Math.min(Math.max(Math.round(t), 0), T - 1) : t;
    const count = x.length / per;
    const chunk = this.info.maxBatch ?? count;
    const out = new Float32Array(x.length);
    const variance = new Float32Array(withVariance ? x.length : 0);
    for (let start = 0; start < count; start += chunk) {
      const n = Math.min(chunk, count - start);
      const fed = this.info.fixedBatch ?? n;
      const images = new Float32Array(fed * per); // zero-padded when a fixed batch is not full
      images.set(x.subarray(start * per, (start + n) * per));
      const prediction = await this.run(images, fed, tModel);
      const outC = prediction.length / (fed * H * W);
      if (withVariance && outC !== 2 * C) {
        throw new Error(
          `${this.info.path} outputs ${outC} channels, ε only, so it has no variance for a learned variance type: ` +
            'use the variance fixed_small or fixed_large.',
        );
      }
      for (let k = 0; k < n; k++) {
        // Learned variance: channels [0, C) are ε, [C, 2C) the variance.
        const from = k * outC * H * W;
        out.set(prediction.subarray(from, from + per), (start + k) * per);
        if (withVariance) variance.set(prediction.subarray(from + per, from + 2 * per), (start + k) * per);
      }
    }
    this.calls++;
    const alphaBar = integer ? this.alphasCumprod[tModel] : alphaBarAt(this.alphasCumprod, t);
    return { eps: predictionToEpsilon(out, x, alphaBar, this.info.predictionType), variance };
  }

  private async run(images: Float32Array, fed: number, t: number): Promise<Float32Array> {
    const { channels: C, height: H, width: W } = this.info.imageShape;
    const layout = this.info.timestepLayout;
    const tCount = layout === 'batch' ? fed : 1;
    const dims = layout === 'scalar' ? [] : [tCount];
    const timestep =
      this.info.timestepDtype === 'int64'
        ? new ort.Tensor('int64', new BigInt64Array(tCount).fill(BigInt(t)), dims)
        : this.info.timestepDtype === 'int32'
          ? new ort.Tensor('int32', new Int32Array(tCount).fill(t), dims)
          : this.info.timestepDtype === 'float64'
            ? new ort.Tensor('float64', new Float64Array(tCount).fill(t), dims)
            : new ort.Tensor('float32', new Float32Array(tCount).fill(t), dims);
    const feeds = {
      [this.info.imageInput]: new ort.Tensor('float32', images, [fed, C, H, W]),
      [this.info.timestepInput]: timestep,
    };
    const started = performance.now();
    let result: Record<string, ort.OnnxValue>;
    try {
      result = await this.session.run(feeds);
    } catch (error) {
      if (this.info.provider === 'cpu') {
        throw new Error(
          `onnxruntime failed to run ${this.info.path} (batch ${fed}, t = ${t}): ${(error as Error).message.trim()} ` +
            '— the model loaded but cannot compute this input. If it runs one image at a time (1 sample; pndm: --batch 1), ' +
            'it only takes a fixed batch size; otherwise the model itself is broken: re-export it.',
          { cause: error },
        );
      }
      await this.fallBackToCpu(error);
      return this.run(images, fed, t);
    } finally {
      this.modelMs += performance.now() - started;
      this.runs++;
    }
    const value = result[this.info.outputName] as ort.Tensor | undefined;
    const [b, c, h, w] = value?.dims ?? [];
    if (!value || value.type !== 'float32' || value.dims.length !== 4 || b !== fed || (c !== C && c !== 2 * C) || h !== H || w !== W) {
      throw outputShapeError(this.info.outputName, value?.dims ?? [], this.info.imageInput, [C, H, W], this.info.path);
    }
    return value.data as Float32Array;
  }

  /** A GPU provider that loaded but fails to run: continue on CPU and say why. */
  private async fallBackToCpu(error: unknown): Promise<void> {
    const failed = this.info.provider;
    this.info.providerMessages.push(fallbackMessage(failed, error, process.platform, false));
    await this.session.release().catch(() => undefined);
    this.session = (await createSession(this.info.path, { ...this.options, provider: 'cpu' })).session;
    this.info.provider = 'cpu';
  }

  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}
