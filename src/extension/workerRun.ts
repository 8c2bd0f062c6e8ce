/**
 * One sampling run inside the worker: the lead's runJob over an opened model, a frame for every step
 * (the host's FrameThrottle alone decides what reaches the panel), progress figures, and a turn of the event loop after
 * every model call so that a cancel message is seen and acted on before the next call.
 * No vscode import; the model is anything with OnnxEpsModel's shape.
 */
import { alphaBarOf, initialNoise, makeSchedule, METHODS, predictX0, SamplingCancelled, type SamplingSettings } from '../sampler';
import { fdBesideModel, fdSuffix } from '../quality/besideModel';
import { jobModelOf, runJob, seededNoise, summaryLine, type RunnableModel } from '../runner/runJob';
import { samplingSettingsFor } from '../runner/runSettings';
import { withTunedGrid } from '../tune/store';
import { makeFrame, progressOf } from './frames';
import { askedSolverOrder, preflightRun } from './preflight';
import type { FromWorker, RunRequest } from './workerProtocol';

export type Post = (message: FromWorker, transfer?: ArrayBuffer[]) => void;
export type { RunnableModel };

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The sampler's settings for a request on this model: the one rule the CLI follows too (src/runner/runSettings.ts). */
export function samplingSettingsOf(request: RunRequest, model: RunnableModel): SamplingSettings {
  return samplingSettingsFor(model.info, { ...request, solverOrder: askedSolverOrder(request) });
}

export async function runInWorker(model: RunnableModel, request: RunRequest, signal: AbortSignal, post: Post): Promise<void> {
  const { id, samples } = request;
  // the panel checks this before it asks (when the model had loaded); a run asked for during loading is checked here
  const refusal = preflightRun(request, { imageShape: model.info.imageShape, numTrainTimesteps: model.info.schedule.numTrainTimesteps });
  if (refusal) {
    post({ type: 'failed', id, message: refusal, cancelled: false });
    return;
  }
  let settings: SamplingSettings;
  try {
    settings = withTunedGrid(samplingSettingsOf(request, model), model.info.path);
  } catch (error) {
    post({ type: 'failed', id, message: (error as Error).message, cancelled: false });
    return;
  }
  const expectedNfe = METHODS[settings.sampler].nfe(settings.steps);
  const job = jobModelOf(model, yieldToEventLoop);
  post({ type: 'started', id, info: model.info, expectedNfe });
  const started = performance.now();
  // x_T drawn exactly as runJob draws it from the seed (runJob given this noise gives the same samples),
  // so that the panel shows the starting noise at once instead of after the first (up to 4-call) step.
  const { channels, height, width } = model.info.imageShape;
  const xT = initialNoise(seededNoise(request.seed, request.firstImage), samples, channels * height * width);
  const first = makeFrame(xT, samples, model.info.imageShape);
  post({ type: 'frame', id, frame: first, progress: progressOf(0, settings.steps, 0, 0, 0, expectedNfe, job.provider), final: false }, [
    first.pixels,
  ]);
  const alphaBar = alphaBarOf(makeSchedule(model.info.schedule), settings.finalAlphaBar);
  try {
    const result = await runJob(
      job,
      { settings, samples, seed: request.seed, noise: xT, firstImage: request.firstImage },
      {
        signal,
        // x̂₀ after the run's first model call: a readable preview long
        // before a multi-call first step (F-PNDM: 4 calls, FON: 4) ends.
        onModelCall: ({ t, x, eps, nfe }) => {
          const now = performance.now();
          if (nfe !== 1 || request.preview !== 'x0' || !Number.isInteger(t)) return;
          const frame = makeFrame(predictX0(x, eps, alphaBar(t)), samples, model.info.imageShape);
          post(
            {
              type: 'frame',
              id,
              frame,
              progress: progressOf(0, settings.steps, 1, 0, now - started, expectedNfe, job.provider),
              final: false,
            },
            [frame.pixels],
          );
        },
        onStep: (s) => {
          const now = performance.now();
          if (s.step + 1 >= s.steps) return; // the last one is the final frame
          const frame = makeFrame(request.preview === 'xt' ? s.x : s.x0, samples, model.info.imageShape);
          const progress = progressOf(s.step + 1, s.steps, s.nfe, s.progress, now - started, expectedNfe, job.provider);
          post({ type: 'frame', id, frame, progress, final: false }, [frame.pixels]);
        },
      },
    );
    const frame = makeFrame(result.x, samples, model.info.imageShape);
    const progress = progressOf(settings.steps, settings.steps, result.nfe, 1, performance.now() - started, result.nfe, result.provider);
    post({ type: 'frame', id, frame, progress: { ...progress, secondsLeft: 0 }, final: true }, [frame.pixels]);
    // the quality line for large runs on the bundled model; a scoring failure only costs the line
    const score = await fdBesideModel(model.info.path, result.x, samples).catch(() => undefined);
    const x = result.x.slice();
    post(
      {
        type: 'done',
        id,
        x: x.buffer,
        count: samples,
        shape: model.info.imageShape,
        nfe: result.nfe,
        wallMs: result.wallMs,
        modelMs: result.modelMs,
        provider: result.provider,
        line: summaryLine(settings, samples, result) + fdSuffix(score),
        settings,
      },
      [x.buffer],
    );
  } catch (error) {
    const cancelled = error instanceof SamplingCancelled || signal.aborted;
    post({ type: 'failed', id, message: cancelled ? 'Sampling was cancelled.' : messageOf(error), cancelled });
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
