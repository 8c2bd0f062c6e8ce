import type { StepInfo } from '../sampler';

/** A progress bar on stderr: redrawn in place on a terminal, a line per quarter otherwise. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): { update(info: StepInfo): void; done(): void } {
  const started = performance.now();
  let lastQuarter = -1;
  let drawn = false;
  return {
    update(info) {
      const elapsed = (performance.now() - started) / 1000;
      const rate = info.nfe / Math.max(elapsed, 1e-9);
      const left = info.progress > 0 ? (elapsed * (1 - info.progress)) / info.progress : 0;
      const label =
        info.steps > 0 && info.progress === (info.step + 1) / info.steps ? `${info.step + 1}/${info.steps}` : `step ${info.step + 1}`;
      const text = `${label} | ${info.nfe} calls | ${rate.toFixed(1)} calls/s | ${left.toFixed(1)} s left`;
      if (stream.isTTY) {
        const width = 30;
        const filled = Math.round(info.progress * width);
        stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
        drawn = true;
      } else {
        const quarter = Math.floor(info.progress * 4);
        if (quarter > lastQuarter) {
          lastQuarter = quarter;
          stream.write(`${Math.round(info.progress * 100)}% ${text}\n`);
        }
      }
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}
