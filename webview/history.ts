/**
 * The run history in the panel: each kept run with its thumbnail and summary line, **Open** (its
 * settings, grid and summary in the panel) and **Save** (its PNG as a new file); tick two runs of the
 * same grid size for their difference image, computed here from the two pictures.
 */
import { MessageType, type HistoryEntry } from '../src/protocol';
import { send } from './state';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
let entries: readonly HistoryEntry[] = [];

function button(label: string, aria: string, action: () => void): HTMLElement {
  const b = document.createElement('vscode-button');
  b.setAttribute('appearance', 'secondary');
  b.setAttribute('aria-label', aria);
  b.textContent = label;
  b.addEventListener('click', action);
  return b;
}

export function showHistory(next: readonly HistoryEntry[]): void {
  entries = next;
  $('history-count').textContent = String(entries.length);
  $('history-list').replaceChildren(
    ...entries.map((e, i) => {
      const row = document.createElement('div');
      row.className = 'history-entry';
      row.setAttribute('role', 'listitem');
      row.id = `history-${i}`;
      const tick = document.createElement('vscode-checkbox');
      tick.dataset.id = e.id;
      tick.setAttribute('aria-label', `Tick for the difference: ${e.line}`);
      tick.addEventListener('change', updateDiffButton);
      const when = new Date(e.time).toLocaleTimeString();
      const text = document.createElement('span');
      text.textContent = `${when} · ${e.line}`;
      const parts: HTMLElement[] = [tick];
      if (e.png) {
        const img = document.createElement('img');
        img.src = e.png;
        img.alt = `Grid of ${e.line}`;
        img.className = 'thumb';
        parts.push(img);
      }
      parts.push(
        text,
        button('Open', `Open the run ${e.line}`, () => send({ type: MessageType.OpenHistory, id: e.id })),
      );
      parts.push(button('Save', `Save the run ${e.line} as PNG`, () => send({ type: MessageType.SaveHistory, id: e.id })));
      row.append(...parts);
      return row;
    }),
  );
  updateDiffButton();
}

function ticked(): HistoryEntry[] {
  const ids = [...$('history-list').querySelectorAll<HTMLElement & { checked: boolean }>('vscode-checkbox')]
    .filter((c) => c.checked)
    .map((c) => c.dataset.id);
  return entries.filter((e) => ids.includes(e.id));
}

function updateDiffButton(): void {
  const two = ticked().length === 2 && ticked().every((e) => e.png);
  if (two) $('history-diff').removeAttribute('disabled');
  else $('history-diff').setAttribute('disabled', '');
}

function load(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('A picture of the history could not be read.'));
    img.src = url;
  });
}

function pixelsOf(canvas: HTMLCanvasElement, img: HTMLImageElement): ImageData {
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(img, 0, 0);
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

/** Show A, B and |A − B| (×4, so that small differences show) with the largest and mean difference. */
async function showDifference(): Promise<void> {
  const [a, b] = ticked();
  const [ia, ib] = await Promise.all([load(a.png!), load(b.png!)]);
  const dialog = $<HTMLDialogElement>('diff');
  $('diff-a-caption').textContent = `A: ${a.line}`;
  $('diff-b-caption').textContent = `B: ${b.line}`;
  const pa = pixelsOf($('diff-a'), ia);
  const pb = pixelsOf($('diff-b'), ib);
  const d = $<HTMLCanvasElement>('diff-d');
  if (pa.width !== pb.width || pa.height !== pb.height) {
    d.width = d.height = 1;
    $('diff-stats').textContent =
      `The grids differ in size (${pa.width}×${pa.height} and ${pb.width}×${pb.height}): tick two runs with the same number of samples.`;
  } else {
    d.width = pa.width;
    d.height = pa.height;
    const out = new ImageData(pa.width, pa.height);
    let max = 0;
    let sum = 0;
    for (let i = 0; i < pa.data.length; i += 4) {
      let m = 0;
      for (let c = 0; c < 3; c++) m = Math.max(m, Math.abs(pa.data[i + c] - pb.data[i + c]));
      max = Math.max(max, m);
      sum += m;
      out.data[i] = out.data[i + 1] = out.data[i + 2] = Math.min(255, 4 * m);
      out.data[i + 3] = 255;
    }
    d.getContext('2d')!.putImageData(out, 0, 0);
    const mean = sum / (pa.width * pa.height);
    $('diff-stats').textContent = `Largest difference ${max}/255, mean ${mean.toFixed(2)}/255 per pixel.`;
    document.body.dataset.diffMax = String(max);
  }
  if (!dialog.open) dialog.showModal();
}

export function setupHistory(): void {
  $('history-diff').addEventListener('click', () => void showDifference().catch((e: Error) => ($('diff-stats').textContent = e.message)));
  $('diff-close').addEventListener('click', () => $<HTMLDialogElement>('diff').close());
}
