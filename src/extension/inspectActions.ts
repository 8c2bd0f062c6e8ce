/**
 * What the panel does for a zoomed image and for the animation export: re-sample one image of the
 * last finished run (its strip kept for the export), and write the denoising as a GIF — of the grid
 * (the frames the run showed) or of one image (its strip) — as a new file, never overwriting.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MessageType, type FrameData, type HistoryEntry, type ToWebview } from '../protocol';
import { encodeGif, MAX_GIF_FRAMES, pickFrames } from './animation';
import type { ComparisonClient } from './comparison';
import { resampleImage, sourceOfRun, type Resampled, type ResampleSource } from './inspect';
import type { Log } from './log';
import { outputFolderFor, type FinishedRun } from './save';
import { outputStem, writeNewFile } from '../io/uniqueFile';

export class Inspector {
  private readonly resampled = new Map<number, Resampled>();
  /** The run shown: a finished run of this host (its samples and frames), or one kept in the history (its recipe only). */
  private source: ResampleSource | undefined;
  private frames: FrameData[] = [];

  constructor(
    private readonly client: ComparisonClient,
    private readonly log: Log,
    private readonly post: (message: ToWebview) => void,
  ) {}

  /** A new finished run (its frames for the grid animation); earlier re-samples are forgotten. */
  setRun(run: FinishedRun | undefined, frames: FrameData[]): void {
    this.source = run && sourceOfRun(run);
    this.frames = frames;
    this.resampled.clear();
  }

  /** A run opened from the history: its images can be re-sampled from its settings; it has no grid frames. */
  setKept(entry: HistoryEntry): void {
    this.source = { modelPath: entry.modelPath, settings: entry.settings, count: entry.settings.samples };
    this.frames = [];
    this.resampled.clear();
  }

  async resample(index: number): Promise<Resampled | undefined> {
    if (!this.source) {
      this.post({ type: MessageType.Notice, message: 'Nothing to re-sample yet: generate samples first.' });
      return undefined;
    }
    const started = performance.now();
    const r = await resampleImage(this.client, this.source, index);
    this.resampled.set(index, r);
    const compared =
      r.maxAbsDiff === undefined
        ? "compared at 8 bits in the panel (a kept run's samples are not kept)"
        : `max |Δ| to the run's image ${r.maxAbsDiff}`;
    this.log(
      'info',
      `Re-sampled image ${index + 1} in ${(performance.now() - started).toFixed(0)} ms (${r.nfe} model calls); ${compared}.`,
    );
    this.post({ type: MessageType.ImageResampled, index, image: r.image, strip: r.strip, maxAbsDiff: r.maxAbsDiff, nfe: r.nfe });
    return r;
  }

  /** Write the GIF; resolves with its path (undefined: nothing to export, or the dialog was cancelled). */
  async exportAnimation(outputFolderSetting: string, index?: number): Promise<string | undefined> {
    const source = this.source;
    if (!source) {
      this.post({ type: MessageType.Notice, message: 'Nothing to export yet: generate samples first.' });
      return undefined;
    }
    if (index === undefined && this.frames.length === 0) {
      this.post({
        type: MessageType.Notice,
        message:
          "A run from the history keeps its picture, not its frames: generate it again (the same settings give the same images) to export the grid's denoising, or export one image's from its zoom.",
      });
      return undefined;
    }
    let frames = this.frames;
    if (index !== undefined) frames = (this.resampled.get(index) ?? (await this.resample(index)))?.strip ?? [];
    const picked = pickFrames(frames, MAX_GIF_FRAMES);
    const gif = encodeGif(picked);
    const s = source.settings;
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
