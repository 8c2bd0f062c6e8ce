/**
 * The panel's HTML: a Content-Security-Policy with a fresh nonce per load, the stylesheet from media/
 * and the bundled script from dist/. No remote content. The toolkit reads the nonce from the
 * `csp-nonce` meta tag for the one <style> element it creates, so `style-src` needs no 'unsafe-inline'
 * (its other styles are adopted stylesheets, which CSP does not govern).
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { PROVIDERS, VARIANCE_CHOICES } from '../protocol';
import { SPACING_CHOICES } from '../runner/runSettings';
import { METHODS, SAMPLER_NAMES, SOLVER_TYPES } from '../sampler';

export function newNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} blob: data:`,
  ].join('; ');
}

const options = (values: readonly string[], label: (v: string) => string = (v) => v) =>
  values.map((v) => `<vscode-option value="${v}">${label(v)}</vscode-option>`).join('');

/**
 * A page of ours: the CSP with a fresh nonce, the stylesheets and the one script (paths under the
 * extension folder), around `body`. Both the panel and the compare view are built with it.
 */
export function webviewPage(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page: { title: string; stylesheets: string[][]; script: string[]; bodyClass?: string; body: string },
): string {
  const nonce = newNonce();
  const asset = (p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const links = page.stylesheets.map((p) => `<link rel="stylesheet" href="${asset(p)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview.cspSource, nonce)}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${links}
<title>${page.title}</title>
</head>
<body${page.bodyClass ? ` class="${page.bodyClass}"` : ''}>
${page.body}
<script nonce="${nonce}" src="${asset(page.script)}"></script>
</body>
</html>`;
}

/** Each sampler's solver orders, for the order control: the webview lists only the ones its sampler takes. */
function solverOrdersAttribute(): string {
  const orders = Object.fromEntries(SAMPLER_NAMES.flatMap((n) => (METHODS[n].solverOrders ? [[n, METHODS[n].solverOrders]] : [])));
  return JSON.stringify(orders).replace(/"/g, '&quot;');
}

export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const samplers = options(SAMPLER_NAMES, (n) => METHODS[n as keyof typeof METHODS].label);
  return webviewPage(webview, extensionUri, {
    title: 'PNDM Sampler',
    stylesheets: [['media', 'panel.css']],
    script: ['dist', 'webview.js'],
    body: `<main>
  <section class="model" aria-labelledby="model-heading">
    <div class="row model-line">
      <h2 id="model-heading">Model</h2>
      <span id="model-name" class="model-name">(loading…)</span>
      <span id="model-path" class="muted model-path"></span>
      <vscode-button id="browse" appearance="secondary" aria-label="Browse… for an ONNX model file">Browse…</vscode-button>
      <vscode-button id="recent" appearance="secondary" aria-label="Recent… models you opened before">Recent…</vscode-button>
      <vscode-button id="bundled" appearance="secondary" aria-label="Bundled model (the MNIST model shipped with the extension)">Bundled model</vscode-button>
    </div>
    <details id="model-details"><summary>Model details</summary><p id="model-facts" class="muted" aria-live="polite"></p></details>
    <ul id="model-warnings" class="warnings"></ul>
  </section>
  <section class="controls" aria-label="Sampling settings">
    <label class="field"><span id="sampler-label">Sampler</span>
      <vscode-dropdown id="sampler" aria-labelledby="sampler-label">${samplers}</vscode-dropdown></label>
    <vscode-text-field id="steps" inputmode="numeric" aria-label="Steps">Steps</vscode-text-field>
    <vscode-text-field id="samples" inputmode="numeric" aria-label="Samples">Samples</vscode-text-field>
    <div class="field seed"><vscode-text-field id="seed" inputmode="numeric" aria-label="Seed (−1: random each run)">Seed</vscode-text-field>
      <vscode-button id="new-seed" appearance="icon" aria-label="New random seed" title="New random seed">⟳</vscode-button></div>
    <label class="field"><span id="spacing-label">Spacing</span>
      <vscode-dropdown id="spacing" aria-labelledby="spacing-label">${options(SPACING_CHOICES, (v) => (v === 'auto' ? "auto (the model's)" : v))}</vscode-dropdown></label>
    <vscode-text-field id="eta" inputmode="decimal" aria-label="η (DDIM): eta, used by DDIM only" class="eta">η (DDIM)</vscode-text-field>
    <label class="field"><span id="variance-label">Variance (DDPM)</span>
      <vscode-dropdown id="variance" aria-labelledby="variance-label">${options(VARIANCE_CHOICES, (v) => (v === 'auto' ? "auto (the model's)" : v))}</vscode-dropdown></label>
    <label class="field"><span id="solver-order-label">Order</span>
      <vscode-dropdown id="solver-order" aria-labelledby="solver-order-label" data-orders="${solverOrdersAttribute()}"><vscode-option value="0">default</vscode-option></vscode-dropdown></label>
    <label class="field"><span id="solver-type-label">B(h) (UniPC)</span>
      <vscode-dropdown id="solver-type" aria-labelledby="solver-type-label">${options(SOLVER_TYPES, (v) => (v === 'bh2' ? 'bh2 (eʰ − 1, default)' : 'bh1 (h)'))}</vscode-dropdown></label>
    <vscode-text-field id="tolerance" inputmode="decimal" aria-label="Tolerance of the adaptive probability-flow solver (pf only)" class="tolerance">Tolerance (pf)</vscode-text-field>
    <vscode-text-field id="eps-scale" inputmode="decimal" aria-label="ε scale: every ε the model returns times this (1: the model as it is)" title="ε scaling: 1 is the model as it is; 1.02 lowers the bundled model's FD at 10 calls">ε scale</vscode-text-field>
    <label class="field"><span id="provider-label">Provider</span>
      <vscode-dropdown id="provider" aria-labelledby="provider-label">${options(PROVIDERS)}</vscode-dropdown></label>
    <label class="field"><span id="preview-label">Preview</span>
      <vscode-dropdown id="preview" aria-labelledby="preview-label">${options(['x0', 'xt'], (v) => (v === 'x0' ? 'x̂₀ (predicted)' : 'x_t (noisy)'))}</vscode-dropdown></label>
  </section>
  <div class="row actions">
    <vscode-button id="generate" aria-label="Generate samples" title="Generate (Ctrl+Enter)">Generate</vscode-button>
    <vscode-button id="cancel" appearance="secondary" aria-label="Cancel the run" title="Cancel (Escape)" disabled>Cancel</vscode-button>
    <vscode-button id="save" appearance="secondary" aria-label="Save PNG of the grid" disabled>Save PNG</vscode-button>
    <vscode-button id="copy" appearance="secondary" aria-label="Copy settings as JSON" disabled>Copy settings</vscode-button>
    <vscode-button id="export-gif" appearance="secondary" aria-label="Export GIF of the grid's denoising" disabled>Export GIF</vscode-button>
    <vscode-button id="compare" appearance="secondary" aria-label="Compare samplers on this model">Compare samplers…</vscode-button>
    <p id="status" class="status" aria-live="off"></p>
  </div>
  <p id="message" class="message" role="status" aria-live="polite"></p>
  <p id="summary" class="summary" aria-live="polite"></p>
  <details id="history" class="history">
    <summary>History (<span id="history-count">0</span>)</summary>
    <div id="history-list" class="history-list" role="list" aria-label="Recent runs in this workspace"></div>
    <div class="row"><vscode-button id="history-diff" appearance="secondary" aria-label="Difference of the two ticked runs" disabled>Difference of the two ticked runs</vscode-button></div>
  </details>
  <dialog id="diff" aria-labelledby="diff-title">
    <h2 id="diff-title">Difference</h2>
    <div class="row diff-row">
      <figure><canvas id="diff-a" role="img" aria-label="The first run"></canvas><figcaption id="diff-a-caption"></figcaption></figure>
      <figure><canvas id="diff-b" role="img" aria-label="The second run"></canvas><figcaption id="diff-b-caption"></figcaption></figure>
      <figure><canvas id="diff-d" role="img" aria-label="Their difference, |A − B| times 4"></canvas><figcaption>|A − B| × 4</figcaption></figure>
    </div>
    <p id="diff-stats" role="status"></p>
    <vscode-button id="diff-close" appearance="secondary" aria-label="Close the difference">Close</vscode-button>
  </dialog>
  <div class="grid-box">
    <canvas id="grid" width="1" height="1" role="img" tabindex="0" title="Click a sample to zoom (Enter: the first one)"
      aria-label="Sample grid: no samples yet. Generate to fill it."></canvas>
  </div>
  <dialog id="zoom" aria-labelledby="zoom-title">
    <div class="row zoom-head">
      <h2 id="zoom-title">Sample</h2>
      <vscode-button id="zoom-prev" appearance="icon" aria-label="Previous sample" title="Previous sample (←)">‹</vscode-button>
      <vscode-button id="zoom-next" appearance="icon" aria-label="Next sample" title="Next sample (→)">›</vscode-button>
    </div>
    <canvas id="zoom-canvas" width="1" height="1" role="img" aria-label="The zoomed sample"></canvas>
    <div class="row">
      <vscode-button id="resample" aria-label="Re-sample this image, with its denoising strip">Re-sample this image</vscode-button>
      <vscode-button id="export-image-gif" appearance="secondary" aria-label="Export GIF of this image's denoising">Export GIF</vscode-button>
      <vscode-button id="zoom-close" appearance="secondary" aria-label="Close the zoom">Close</vscode-button>
    </div>
    <p id="zoom-result" role="status" aria-live="polite"></p>
    <div id="strip" class="strip" role="list" aria-label="Denoising strip: x̂₀ after each step"></div>
  </dialog>
</main>`,
  });
}
