/**
 * The panel's text: model facts, the live status line (step, model calls, speed, time left, provider),
 * the summary line, messages, and which buttons are enabled. Colours come from media/panel.css
 * (VS Code theme variables only).
 */
import type { ModelSummary, RunProgress } from '../src/protocol';

const $ = (id: string) => document.getElementById(id) as HTMLElement;

export function showModel(model: ModelSummary): void {
  $('model-name').textContent = model.bundled ? `${model.name} (bundled)` : model.name;
  const path = document.createElement('bdi'); // the path is shown right-to-left only so that its start is what an ellipsis cuts
  path.textContent = model.path;
  $('model-path').replaceChildren(path);
  $('model-path').title = model.path;
  $('model-facts').textContent =
    `image ${model.imageShape} · ${model.predictionType} prediction · T = ${model.numTrainTimesteps} · ` +
    `schedule: ${model.scheduleSource} · inputs: ${model.inputs} · provider: ${model.providerChoice ?? model.provider}`;
  const list = $('model-warnings');
  list.replaceChildren(
    ...model.warnings.map((w) => {
      const li = document.createElement('li');
      li.textContent = w;
      return li;
    }),
  );
}

function seconds(s: number): string {
  if (!(s >= 0)) return '…';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function showProgress(p: RunProgress, final: boolean): void {
  const left = final ? 'done' : `${seconds(p.secondsLeft)} left`;
  $('status').textContent = `step ${p.step}/${p.steps} · ${p.nfe} model calls · ${p.itPerSecond.toFixed(2)} it/s · ${left} · ${p.provider}`;
}

export function showStatus(text: string): void {
  $('status').textContent = text;
}

export function statusText(): string {
  return $('status').textContent ?? '';
}

/** The grid canvas's text alternative: what it shows, in words. */
export function describeGrid(canvas: HTMLElement, text: string): void {
  canvas.setAttribute('aria-label', text);
}

export function showSummary(line: string): void {
  $('summary').textContent = line;
}

/** A notice (kind 'info') or an error (kind 'error', styled and announced). */
export function showMessage(text: string, kind: 'info' | 'error' = 'info'): void {
  const el = $('message');
  el.textContent = text;
  el.classList.toggle('error', kind === 'error');
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
}

/** While a run goes, Generate, Save, Copy and the zoom's Re-sample and Export GIF are off; before any run the host explains that nothing is there yet. */
export function setRunning(running: boolean): void {
  const set = (id: string, disabled: boolean) => {
    const el = $(id);
    if (disabled) el.setAttribute('disabled', '');
    else el.removeAttribute('disabled');
  };
  set('generate', running);
  set('cancel', !running);
  set('save', running);
  set('copy', running);
  set('export-gif', running);
  set('resample', running); // the worker runs one job at a time: re-sampling waits for the run
  set('export-image-gif', running);
  document.body.classList.toggle('running', running);
}
