/**
 * The compare view's chart: RMS distance to the reference against model calls, both axes logarithmic,
 * one line per sampler (uPlot: small, canvas-drawn, no eval, so it runs under the nonce CSP). Colours
 * come from VS Code's chart theme variables.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartPoint {
  readonly sampler: string;
  readonly label: string;
  readonly nfe: number;
  readonly rms: number;
}

const PALETTE = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'];

function themeColour(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** uPlot's aligned data: the sorted union of model-call counts, and per sampler its RMS there (null elsewhere). */
export function alignedData(points: readonly ChartPoint[], samplers: readonly string[]): uPlot.AlignedData {
  const xs = [...new Set(points.map((p) => p.nfe))].sort((a, b) => a - b);
  const series = samplers.map((s) =>
    xs.map((x) => {
      const p = points.find((q) => q.sampler === s && q.nfe === x);
      return p && p.rms > 0 ? p.rms : null; // log scale: an exact match with the reference has no point
    }),
  );
  return [xs, ...series];
}

let plot: uPlot | undefined;

/** Draw (or redraw) the chart into `host` for these points; one series per sampler in `samplers` order. */
export function drawChart(host: HTMLElement, points: readonly ChartPoint[], samplers: readonly { name: string; label: string }[]): void {
  plot?.destroy();
  plot = undefined;
  host.replaceChildren();
  if (points.length === 0) return;
  const foreground = themeColour('--vscode-foreground', '#cccccc');
  const grid = themeColour('--vscode-editorWidget-border', '#80808040');
  const axis = { stroke: foreground, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const width = Math.max(280, Math.min(host.clientWidth || 480, 640));
  plot = new uPlot(
    {
      width,
      height: Math.round(width * 0.6),
      scales: { x: { time: false, distr: 3, log: 10 }, y: { distr: 3, log: 10 } },
      axes: [
        { ...axis, label: 'model calls' },
        {
          ...axis,
          label: 'RMS to reference',
          size: 64,
          values: (_u, ticks) => ticks.map((t) => (t == null ? '' : Number(t.toPrecision(2)).toExponential())),
        },
      ],
      series: [
        { label: 'model calls' },
        ...samplers.map((s, i) => ({
          label: s.label,
          stroke: themeColour(`--vscode-charts-${PALETTE[i % PALETTE.length]}`, '#3794ff'),
          width: 2,
          spanGaps: true,
          points: { show: true, size: 7 },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : v.toExponential(2)),
        })),
      ],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
    },
    alignedData(
      points,
      samplers.map((s) => s.name),
    ),
    host,
  );
}
