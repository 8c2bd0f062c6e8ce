/** A log–log line plot as an SVG document: one polyline per series, decades on both axes, a legend. */

export interface Series {
  readonly label: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];

export function logLogSvg(series: readonly Series[], axes: { x: string; y: string; title: string }): string {
  const [w, left, right, top, bottom] = [760, 70, 230, 40, 50];
  const h = Math.max(480, top + 24 + series.length * 16); // room for the legend
  const all = series.flatMap((s) => s.points).filter((p) => p.x > 0 && p.y > 0);
  if (!all.length) throw new Error('Nothing to plot: every error was zero or missing.');
  const decade = (v: number, f: (n: number) => number) => f(Math.log10(v));
  const [x0, x1] = [decade(Math.min(...all.map((p) => p.x)), Math.floor), decade(Math.max(...all.map((p) => p.x)), Math.ceil)];
  const [y0, y1] = [decade(Math.min(...all.map((p) => p.y)), Math.floor), decade(Math.max(...all.map((p) => p.y)), Math.ceil)];
  const px = (x: number) => left + ((Math.log10(x) - x0) / Math.max(x1 - x0, 1)) * (w - left - right);
  const py = (y: number) => h - bottom - ((Math.log10(y) - y0) / Math.max(y1 - y0, 1)) * (h - top - bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${(w - right + left) / 2}" y="22" text-anchor="middle" font-size="14">${escape(axes.title)}</text>`,
  ];
  for (let d = x0; d <= Math.max(x1, x0 + 1); d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      if (Math.log10(v) > Math.max(x1, x0 + 1)) continue;
      out.push(`<line x1="${px(v)}" y1="${top}" x2="${px(v)}" y2="${h - bottom}" stroke="#ddd"/>`);
      out.push(`<text x="${px(v)}" y="${h - bottom + 16}" text-anchor="middle">${v}</text>`);
    }
  }
  for (let d = y0; d <= Math.max(y1, y0 + 1); d++) {
    out.push(`<line x1="${left}" y1="${py(10 ** d)}" x2="${w - right}" y2="${py(10 ** d)}" stroke="#ccc"/>`);
    out.push(`<text x="${left - 6}" y="${py(10 ** d) + 4}" text-anchor="end">1e${d}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${w - left - right}" height="${h - top - bottom}" fill="none" stroke="black"/>`);
  out.push(`<text x="${(w - right + left) / 2}" y="${h - 12}" text-anchor="middle">${escape(axes.x)}</text>`);
  out.push(`<text transform="translate(16 ${(h - bottom + top) / 2}) rotate(-90)" text-anchor="middle">${escape(axes.y)}</text>`);
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    const dash = DASHES[Math.floor(k / COLORS.length) % DASHES.length];
    const pts = s.points.filter((p) => p.x > 0 && p.y > 0);
    const style = `stroke="${color}" fill="none" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}`;
    out.push(`<polyline ${style} points="${pts.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly = top + 14 + k * 16;
    out.push(`<line x1="${w - right + 12}" y1="${ly - 4}" x2="${w - right + 36}" y2="${ly - 4}" ${style}/>`);
    out.push(`<text x="${w - right + 42}" y="${ly}">${escape(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
