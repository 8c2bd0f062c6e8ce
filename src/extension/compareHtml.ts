/**
 * The compare view's HTML: the same Content-Security-Policy as the sampling panel (a fresh nonce per
 * load, no 'unsafe-eval', no 'unsafe-inline' scripts), its stylesheets (the panel's, the chart's
 * uPlot CSS bundled into dist/compare.css) and dist/compare.js.
 */
import * as vscode from 'vscode';
import { REFERENCE_SOLVES } from '../protocol';
import { SPACING_CHOICES } from '../runner/runSettings';
import { webviewPage } from './panelHtml';

export function compareHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  // leading first: the comparison's default, and the PNDM paper's grid
  const spacings = ['leading', ...SPACING_CHOICES.filter((s) => s !== 'leading')]
    .map((s) => `<vscode-option value="${s}">${s === 'auto' ? "auto (the model's)" : s}</vscode-option>`)
    .join('');
  const references = Object.entries(REFERENCE_SOLVES)
    .map(([id, r]) => `<vscode-option value="${id}">${r.label}</vscode-option>`)
    .join('');
  return webviewPage(webview, extensionUri, {
    title: 'PNDM: Compare Samplers',
    stylesheets: [
      ['media', 'panel.css'],
      ['dist', 'compare.css'],
    ],
    script: ['dist', 'compare.js'],
    bodyClass: 'compare',
    body: `<main>
  <p class="model-line row"><span class="label">Model</span> <span id="model-name" class="model-name">(loading…)</span></p>
  <section class="compare-form" aria-label="Comparison settings">
    <fieldset id="samplers"><legend>Samplers (rows)</legend></fieldset>
    <div class="compare-fields">
      <vscode-text-field id="steps" aria-label="Steps (columns), e.g. 10, 20, 50" value="10, 20, 50">Steps (columns)</vscode-text-field>
      <vscode-text-field id="samples" inputmode="numeric" aria-label="Samples per cell" value="16">Samples</vscode-text-field>
      <vscode-text-field id="seed" inputmode="numeric" aria-label="Seed" value="0">Seed</vscode-text-field>
      <label class="field"><span id="spacing-label">Spacing (every cell)</span>
        <vscode-dropdown id="spacing" aria-labelledby="spacing-label">${spacings}</vscode-dropdown></label>
      <label class="field"><span id="reference-label">Reference solution</span>
        <vscode-dropdown id="reference" aria-labelledby="reference-label">${references}</vscode-dropdown></label>
    </div>
    <div class="row actions">
      <vscode-button id="run" aria-label="Run comparison">Run comparison</vscode-button>
      <vscode-button id="cancel" appearance="secondary" aria-label="Cancel the comparison" disabled>Cancel</vscode-button>
      <span id="progress" class="status" role="status" aria-live="polite"></span>
    </div>
  </section>
  <p id="message" class="message" role="status" aria-live="polite"></p>
  <div class="compare-results">
    <table id="cells" class="cells" aria-label="Sample grids: rows are samplers, columns are step counts"></table>
    <figure class="chart-box">
      <div id="chart" role="img" aria-label="Chart of RMS distance to the reference against model calls, log–log, one line per sampler"></div>
      <figcaption id="chart-caption" class="muted"></figcaption>
    </figure>
  </div>
</main>`,
  });
}
