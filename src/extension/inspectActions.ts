/**
 * What the panel does for a zoomed image and for the animation export: re-sample one image of the
 * last finished run (its strip kept for the export), and write the denoising as a GIF — of the grid
 * (the frames the run showed) or of one image (its strip) — as a new file, never overwriting.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MessageType, type FrameData, type ToWebview } from '../protocol';
import { encodeGif, MAX_GIF_FRAMES, pickFrames } from './animation';
import type { ComparisonClient } from './comparison';
import { resampleImage, type Resampled } from './inspect';
import type { Log } from './log';
import { outputFolderFor, type FinishedRun } from './save';
import { outputStem, writeNewFile } from '../io/uniqueFile';

export class Inspector {
  private readonly resampled = new Map<number, Resampled>();
  private run: FinishedRun | undefined;
  private frames: FrameData[] = [];

  constructor(
    private readonly client: ComparisonClient,
    private readonly log: Log,
    private readonly post: (message: ToWebview) => void,
  ) {}

  /** A new finished run (its frames for the grid animation); earlier re-samples are forgotten. */
  setRun(run: FinishedRun | undefined, frames: FrameData[]): void {
    this.run = run;
    this.frames = frames;
    this.resampled.clear();
  }

  async resample(index: number): Promise<Resampled | undefined> {
    if (!this.run) {
      this.post({ type: MessageType.Notice, message: 'Nothing to re-sample yet: generate samples first.' });
      return undefined;
    }
    const started = performance.now();
    const r = await resampleImage(this.client, this.run, index);
    this.resampled.set(index, r);
    this.log(
      'info',
      `Re-sampled image ${index + 1} in ${(performance.now() - started).toFixed(0)} ms (${r.nfe} model calls); max |Δ| to the run's image ${r.maxAbsDiff}.`,
    );
    this.post({ type: MessageType.ImageResampled, index, image: r.image, strip: r.strip, maxAbsDiff: r.maxAbsDiff, nfe: r.nfe });
    return r;
  }

  /** Write the GIF; resolves with its path (undefined: nothing to export, or the dialog was cancelled). */
  async exportAnimation(outputFolderSetting: string, index?: number): Promise<string | undefined> {
    const run = this.run;
    if (!run) {
      this.post({ type: MessageType.Notice, message: 'Nothing to export yet: generate samples first.' });
      return undefined;
    }
    let frames = this.frames;
    if (index !== undefined) frames = (this.resampled.get(index) ?? (await this.resample(index)))?.strip ?? [];
    const picked = pickFrames(frames, MAX_GIF_FRAMES);
    const gif = encodeGif(picked);
    const s = run.summary.settings;
    let stem = `${outputStem(s.sampler, s.steps, s.seed)}-${index === undefined ? 'grid' : `image${index + 1}`}-denoising`;
    let folder = outputFolderFor(outputFolderSetting);
    if (!folder) {
      const chosen = await vscode.window.showSaveDialog({
        title: 'Save the denoising as an animated GIF',
        defaultUri: vscode.Uri.file(path.join(os.homedir(), `${stem}.gif`)),
        filters: { 'GIF animation': ['gif'] },
      });
      if (!chosen) return undefined;
      folder = path.dirname(chosen.fsPath);
      stem = path.basename(chosen.fsPath).replace(/\.gif$/i, '');
    }
    const written = await writeNewFile(folder, stem, '.gif', gif);
    this.log('info', `Saved ${written} (${picked.length} frames, ${gif.length} bytes).`);
    this.post({ type: MessageType.Notice, message: `Saved animation ${written} (${picked.length} frames)` });
    return written;
  }
}
