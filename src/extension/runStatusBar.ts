/**
 * A status-bar item with the run's progress, shown only while a run goes and the panel is hidden (the
 * panel shows progress itself when it is visible). Clicking it brings the panel back.
 */
import * as vscode from 'vscode';
import type { RunProgress } from '../protocol';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('pndm.run', vscode.StatusBarAlignment.Left, 10);
  private running = false;
  private panelVisible = true;

  constructor() {
    this.item.name = 'PNDM sampling progress';
    this.item.command = { command: 'pndm.generate', title: 'Show the PNDM panel' };
    this.item.text = '$(loading~spin) PNDM';
  }

  /** The text shown (tests read it). */
  get text(): string {
    return this.item.text;
  }

  /** True when the item is on screen. */
  get shown(): boolean {
    return this.running && !this.panelVisible;
  }

  started(label: string): void {
    this.running = true;
    this.item.text = `$(loading~spin) PNDM ${label}: starting`;
    this.item.tooltip = `PNDM: ${label} is running. Click to show the panel.`;
    this.refresh();
  }

  progress(label: string, p: RunProgress): void {
    const left = p.secondsLeft >= 0 ? ` · ${Math.ceil(p.secondsLeft)} s left` : '';
    this.item.text = `$(loading~spin) PNDM ${label}: ${p.step}/${p.steps} (${Math.round(p.progress * 100)}%)${left}`;
  }

  ended(): void {
    this.running = false;
    this.refresh();
  }

  setPanelVisible(visible: boolean): void {
    this.panelVisible = visible;
    this.refresh();
  }

  dispose(): void {
    this.item.dispose();
  }

  private refresh(): void {
    if (this.shown) this.item.show();
    else this.item.hide();
  }
}
