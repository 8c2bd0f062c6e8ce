/**
 * The compare view's script. It speaks first (CompareReady); the host answers with CompareInit (the
 * samplers, the model, and the last comparison's cells) and then streams progress and finished cells.
 * Rows are samplers, columns step counts; under each cell its sampler, steps, model calls, time and
 * RMS to the reference; a click (or Enter) on a cell opens it in the sampling panel.
 */
import {
  COMPARE_LIMITS,
  LIMITS,
  MessageType,
  type CompareCellResult,
  type CompareRequest,
  type FromCompareView,
  type ReferenceName,
  type ToCompareView,
} from '../src/protocol';
import { drawChart, type ChartPoint } from './chart';
import { drawFrame } from './grid';
import { registerToolkit } from './toolkit';

interface FormState {
  readonly samplers?: string[];
  readonly steps?: string;
  readonly samples?: string;
  readonly seed?: string;
  readonly spacing?: string;
  readonly reference?: string;
  /** The model shown: a restored view reopens it only if the user picked it (the host checks). */
  readonly modelPath?: string;
  /** A comparison ran in this view: after a reload its cells are gone, and the view says so. */
  readonly compared?: boolean;
}
interface VsCodeApi {
  postMessage(message: FromCompareView): void;
  getState(): unknown;
  setState(state: FormState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const api = acquireVsCodeApi();
const send = (message: FromCompareView) => api.postMessage(message);

registerToolkit();
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const field = (id: string) => $<HTMLElement & { value: string }>(id);
let samplers: { name: string; label: string }[] = [];
let request: CompareRequest | undefined;
let referenceLabel = '';
let points: ChartPoint[] = [];
/** Cells filled (the UI test reads it). */
document.body.dataset.cells = '0';

const labelOf = (name: string) => samplers.find((s) => s.name === name)?.label ?? name;

function showMessage(text: string, error = false): void {
  $('message').textContent = text;
  $('message').classList.toggle('error', error);
}

function setRunning(running: boolean): void {
  const toggle = (id: string, disabled: boolean) => (disabled ? $(id).setAttribute('disabled', '') : $(id).removeAttribute('disabled'));
  toggle('run', running);
  toggle('cancel', !running);
  document.body.classList.toggle('running', running);
}

function buildSamplerChoices(checked: readonly string[]): void {
  const box = $('samplers');
  box.querySelectorAll('vscode-checkbox').forEach((el) => el.remove());
  for (const s of samplers) {
    const cb = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
    cb.id = `sampler-${s.name}`;
    cb.dataset.sampler = s.name;
    cb.textContent = s.label;
    cb.setAttribute('aria-label', s.label);
    if (checked.includes(s.name)) cb.setAttribute('checked', '');
    cb.addEventListener('change', saveForm);
    box.append(cb);
  }
}

function checkedSamplers(): string[] {
  return [...$('samplers').querySelectorAll<HTMLElement & { checked: boolean }>('vscode-checkbox')]
    .filter((cb) => cb.checked)
    .map((cb) => cb.dataset.sampler!);
}

const savedState = () => (api.getState() ?? {}) as FormState;

function saveForm(): void {
  api.setState({
    ...savedState(),
    samplers: checkedSamplers(),
    steps: field('steps').value,
    samples: field('samples').value,
    seed: field('seed').value,
    spacing: field('spacing').value,
    reference: field('reference').value,
  });
}

/** The request in the form, or a message saying which field to fix. */
function readForm(): CompareRequest | string {
  const chosen = checkedSamplers();
  if (chosen.length === 0) return 'Pick at least one sampler.';
  const parts = field('steps')
    .value.split(/[\s,;]+/)
    .filter(Boolean);
  const steps = parts.map(Number);
  const { min, max } = LIMITS.steps;
  if (parts.length === 0 || steps.some((n) => !Number.isInteger(n) || n < min || n > max)) {
    return `Steps must be whole numbers from ${min} to ${max}, separated by commas (got "${field('steps').value}").`;
  }
  const distinct = [...new Set(steps)].sort((a, b) => a - b);
  if (distinct.length > COMPARE_LIMITS.stepCounts.max) return `Give at most ${COMPARE_LIMITS.stepCounts.max} step counts.`;
  const samples = Number(field('samples').value.trim());
  const s = COMPARE_LIMITS.samples;
  if (!Number.isInteger(samples) || samples < s.min || samples > s.max) return `Samples must be a whole number from ${s.min} to ${s.max}.`;
  const seed = Number(field('seed').value.trim());
  const z = COMPARE_LIMITS.seed;
  if (field('seed').value.trim() === '' || !Number.isInteger(seed) || seed < z.min || seed > z.max) {
    return `Seed must be a whole number from ${z.min} to ${z.max}.`;
  }
  return {
    samplers: chosen as CompareRequest['samplers'],
    steps: distinct,
    samples,
    seed,
    spacing: field('spacing').value as CompareRequest['spacing'],
    reference: field('reference').value as ReferenceName,
  };
}

/** An empty table: one row per sampler, one column per step count. */
function buildTable(r: CompareRequest): void {
  const table = $('cells');
  const head = document.createElement('tr');
  head.append(document.createElement('th'));
  for (const n of r.steps) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = `${n} steps`;
    head.append(th);
  }
  const rows = r.samplers.map((s, i) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = labelOf(s);
    tr.append(th);
    r.steps.forEach((_n, j) => {
      const td = document.createElement('td');
      td.id = `cell-${i * r.steps.length + j}`;
      td.className = 'cell pending';
      td.textContent = 'waiting';
      tr.append(td);
    });
    return tr;
  });
  table.replaceChildren(head, ...rows);
  points = [];
  document.body.dataset.cells = '0';
  drawChart($('chart'), [], []);
}

function fillCell(index: number, result: CompareCellResult): void {
  const td = $(`cell-${index}`);
  if (!td) return;
  const canvas = document.createElement('canvas');
  canvas.className = 'cell-grid';
  drawFrame(canvas, result.frame);
  const caption = document.createElement('div');
  caption.className = 'cell-caption';
  const seconds = (result.wallMs / 1000).toFixed(1);
  caption.innerText = `${labelOf(result.sampler)} · ${result.steps} steps\n${result.nfe} model calls · ${seconds} s\nRMS ${result.rms.toExponential(2)}`;
  const name = `${labelOf(result.sampler)}, ${result.steps} steps: ${result.nfe} model calls, ${seconds} s, RMS ${result.rms.toExponential(2)} to ${referenceLabel}. Open as a run.`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${result.frame.count} samples of ${labelOf(result.sampler)}, ${result.steps} steps`);
  td.replaceChildren(canvas, caption);
  td.className = 'cell done';
  td.tabIndex = 0;
  td.setAttribute('role', 'button');
  td.setAttribute('aria-label', name);
  td.title = 'Open this cell as a normal run in the sampling panel';
  const open = () => send({ type: MessageType.OpenCell, index });
  td.onclick = open;
  td.onkeydown = (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open();
    }
  };
  points.push({ sampler: result.sampler, label: labelOf(result.sampler), nfe: result.nfe, rms: result.rms });
  document.body.dataset.cells = String(points.length);
  redrawChart();
}

function redrawChart(): void {
  if (!request) return;
  const shown = request.samplers.map((name) => ({ name, label: labelOf(name) }));
  drawChart($('chart'), points, shown);
  $('chart-caption').textContent = points.length
    ? `RMS distance to the reference solution (${referenceLabel}, same noise) against model calls, cells on ${request.spacing} grids; both axes logarithmic.`
    : '';
}

function applyRequestToForm(r: CompareRequest): void {
  buildSamplerChoices(r.samplers);
  field('steps').value = r.steps.join(', ');
  field('samples').value = String(r.samples);
  field('seed').value = String(r.seed);
  field('spacing').value = r.spacing;
  field('reference').value = r.reference;
}

function handle(message: ToCompareView): void {
  switch (message.type) {
    case MessageType.CompareInit: {
      samplers = [...message.samplers];
      $('model-name').textContent = message.model ? `${message.model.name}${message.model.bundled ? ' (bundled)' : ''}` : '(loading…)';
      $('model-name').title = message.model?.path ?? '';
      const saved = savedState();
      if (message.model) api.setState({ ...saved, modelPath: message.model.path });
      if (message.request) applyRequestToForm(message.request);
      else {
        buildSamplerChoices(saved.samplers ?? ['ddim', 's-pndm', 'f-pndm']);
        if (saved.steps) field('steps').value = saved.steps;
        if (saved.samples) field('samples').value = saved.samples;
        if (saved.seed) field('seed').value = saved.seed;
        if (saved.spacing) field('spacing').value = saved.spacing;
        if (saved.reference) field('reference').value = saved.reference;
      }
      request = message.request;
      if (request) {
        buildTable(request);
        for (const c of message.cells) fillCell(c.index, c);
      }
      setRunning(message.running);
      if (!request && saved.compared) {
        showMessage("Restored after a reload: the last comparison's cells are not kept. Run comparison repeats it from the same noise.");
      }
      return;
    }
    case MessageType.CompareStarted:
      api.setState({ ...savedState(), compared: true });
      request = message.request;
      referenceLabel = message.referenceLabel;
      buildTable(message.request);
      setRunning(true);
      showMessage(
        message.referenceCached
          ? `Reference: ${referenceLabel} (cached).`
          : `Reference: ${referenceLabel}, computed first from the same noise.`,
      );
      return;
    case MessageType.CompareProgress: {
      const what =
        message.index < 0
          ? `reference (${referenceLabel})`
          : `cell ${message.index + 1}/${message.total} (${labelOf(request?.samplers[Math.floor(message.index / request.steps.length)] ?? '')})`;
      $('progress').textContent = `${message.done}/${message.total} cells done · ${what}: step ${message.step}/${message.steps}`;
      if (message.index >= 0) {
        const td = $(`cell-${message.index}`);
        if (td?.classList.contains('pending')) td.textContent = `step ${message.step}/${message.steps}`;
      }
      return;
    }
    case MessageType.CompareCell:
      fillCell(message.index, message.result);
      return;
    case MessageType.CompareEnded:
      setRunning(false);
      $('progress').textContent = '';
      showMessage(message.message, message.outcome === 'failed');
      return;
    case MessageType.Error:
      showMessage(message.message, true);
      return;
    case MessageType.Notice:
      showMessage(message.message);
      return;
    default: {
      const unknown: never = message;
      showMessage(`Unknown message from the extension: ${JSON.stringify(unknown)}`, true);
    }
  }
}

$('run').addEventListener('click', () => {
  const r = readForm();
  if (typeof r === 'string') return showMessage(r, true);
  saveForm();
  send({ type: MessageType.RunComparison, request: r });
});
$('cancel').addEventListener('click', () => send({ type: MessageType.CancelComparison }));
for (const id of ['steps', 'samples', 'seed', 'spacing', 'reference']) $(id).addEventListener('change', saveForm);
window.addEventListener('message', (event: MessageEvent<ToCompareView>) => handle(event.data));
send({ type: MessageType.CompareReady });
