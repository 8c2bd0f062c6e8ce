/**
 * Inspecting one image of a finished run: sample it again on its own — exact, because image k draws
 * from its own noise stream (firstImage k) — and keep x̂₀ after every step as its denoising strip.
 * The re-sampled image is checked against the run's: the largest difference is reported (0 when the
 * model is deterministic on this machine). No vscode import.
 */
import type { ImageShape } from '../sampler/types';
import type { FrameData, RunSettings } from '../protocol';
import type { ComparisonClient } from './comparison';
import type { FinishedRun } from './save';

/** What a re-sample needs: the run's model and settings, and its float samples when this host has them. */
export interface ResampleSource {
  readonly modelPath: string;
  readonly settings: RunSettings;
  readonly count: number;
  /** Absent for a run kept in the history (only its picture is kept): the webview compares at 8 bits. */
  readonly samples?: { readonly x: Float32Array; readonly shape: ImageShape };
}

export function sourceOfRun(run: FinishedRun): ResampleSource {
  return { modelPath: run.modelPath, settings: run.summary.settings, count: run.count, samples: { x: run.x, shape: run.shape } };
}

export interface Resampled {
  readonly index: number;
  readonly image: FrameData;
  /** x_T, x̂₀ after each step, then the final image. */
  readonly strip: FrameData[];
  /** Largest |difference| to the run's float samples; undefined when they are not here. */
  readonly maxAbsDiff?: number;
  readonly nfe: number;
}

export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`Cannot compare ${a.length} values with ${b.length}.`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Run image `index` of `run` again on its own; `register` gets the worker run id (to cancel it). */
export async function resampleImage(
  client: ComparisonClient,
  run: ResampleSource,
  index: number,
  register?: (id: number) => void,
): Promise<Resampled> {
  if (index >= run.count) throw new Error(`The run has ${run.count} images; there is no image ${index + 1}.`);
  const s = run.settings;
  const strip: FrameData[] = [];
  let image: FrameData | undefined;
  const { id, done } = client.run(
    {
      modelPath: run.modelPath,
      provider: s.provider,
      sampler: s.sampler,
      steps: s.steps,
      spacing: s.spacing,
      eta: s.eta,
      variance: s.variance,
      solverOrder: s.solverOrder,
      solverType: s.solverType,
      epsScale: s.epsScale,
      tolerance: s.tolerance,
      samples: 1,
      seed: s.seed,
      preview: 'x0',

      firstImage: index,
    },
    {
      onFrame: (reply) => {
        if (reply.final) image = reply.frame;
        // x_T (no model call yet) and x̂₀ after each step; the early x̂₀ of step 0 is a preview, not a step
        if (reply.final || reply.progress.step > 0 || reply.progress.nfe === 0) strip.push(reply.frame);
      },
    },
  );
  register?.(id);
  const reply = await done;
  if (!image) throw new Error('The worker sent no final frame.');
  if (!run.samples) return { index, image, strip, nfe: reply.nfe };
  const { x, shape } = run.samples;
  const perImage = shape.channels * shape.height * shape.width;
  const original = x.subarray(index * perImage, (index + 1) * perImage);
  return { index, image, strip, maxAbsDiff: maxAbsDifference(new Float32Array(reply.x), original), nfe: reply.nfe };
}
