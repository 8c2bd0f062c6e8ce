#!/usr/bin/env node
// UI test of the sampling panel in a real VS Code (code-server + headless Chromium, offline):
// palette → "PNDM: Generate Samples" → Generate → frames appear on the canvas → screenshots mid-run and
// at the end (test-artifacts/panel-midrun.png, panel-final.png) → the canvas is not blank and the
// summary line appears → the panel repaints after being hidden and after a window reload → light and
// high-contrast themes (panel-light.png, panel-hc.png) → a reload in the middle of a run leaves no
// extension host (with its worker) behind, the restored panel is idle and the next run works
// (panel-reload-midrun.png). No Content-Security-Policy violations.
// Prints "ui: N passed, M failed" (scripts/test.mjs counts it). Run `node scripts/build.mjs` first.
// Usage: node scripts/vscode/ui-test.mjs [--vsix FILE]
//   --vsix FILE   test the packaged extension (installed into a fresh extensions folder) instead of
//                 the repository as the extension under development
//   PNDM_UI_STEPS=20 by default; PNDM_KEEP_TMP=1 keeps temp folders
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installVsix, startCodeServer, launchBrowser } from './codeServer.mjs';
import { provision } from './provision.mjs';
import { ARTIFACTS, openWorkbench, runCommand, screenshot, webviewFrame } from './ui.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const STEPS = process.env.PNDM_UI_STEPS ?? '20';
mkdirSync(ARTIFACTS, { recursive: true });
if (!existsSync(join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js missing: run `node scripts/build.mjs` first.');
provision();

const results = [];
// PNDM_UI_GREP=pattern runs only the checks whose name matches (and the first, which loads the workbench)
const grep = process.env.PNDM_UI_GREP ? new RegExp(process.env.PNDM_UI_GREP) : undefined;
async function check(name, fn) {
  if (grep && results.length > 0 && !grep.test(name)) return;
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`  ✗ ${name}\n${String(e?.stack ?? e).replace(/^/gm, '      ')}`);
    throw e; // later checks depend on this one
  }
}

/**
 * Start a run with `start` and wait until the webview has seen it finish with a summary containing
 * `text`. A restored page can show the previous run's summary, so the wait counts RunFinished messages.
 */
async function runToEnd(p, start, text, timeout) {
  const before = Number((await p.locator('body').getAttribute('data-finished')) ?? 0);
  await start();
  await p.locator(`body[data-finished="${before + 1}"]`).waitFor({ timeout });
  await p.locator('#summary').filter({ hasText: text }).waitFor({ timeout: 10_000 });
}

/** Click image 24 of the panel's 9×9 grid (row 2, column 5; 32-pixel images, 2-pixel gaps) and wait for its zoom. */
async function zoomImage24(p) {
  const box = await p.locator('#grid').boundingBox();
  const scale = Math.min(box.width / 304, box.height / 304);
  await p.locator('#grid').click({ position: { x: (5 * 34 + 16) * scale, y: (2 * 34 + 16) * scale } });
  await p.locator('#zoom-title').filter({ hasText: 'Sample 24 of 81' }).waitFor({ timeout: 10_000 });
}

/** A kept run's image 24 (from the history, or restored after a reload): zoom, re-sample, the same 8-bit pixels. */
async function resampleKeptImage(p) {
  await zoomImage24(p);
  await p.locator('#resample').click();
  await p
    .locator('#zoom-result')
    .filter({ hasText: "identical to the kept picture's image at 8 bits (max |Δ| = 0/255)" })
    .waitFor({ timeout: 120_000 });
  await p.locator('#zoom-close').click();
}

const workspace = mkdtempSync(join(tmpdir(), 'pndm-ui-ws-'));
const userDataDir = mkdtempSync(join(tmpdir(), 'pndm-ui-ud-'));
const settingsFile = join(userDataDir, 'User', 'settings.json');
const writeSettings = (s) => {
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    settingsFile,
    JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, ...s }, null, 2),
  );
};
writeSettings({ 'workbench.colorTheme': 'Default Dark Modern' });

const vsixArg = process.argv.indexOf('--vsix');
const vsix = vsixArg > 0 ? resolve(process.argv[vsixArg + 1]) : undefined;
const extensionsDir = vsix ? mkdtempSync(join(tmpdir(), 'pndm-ui-ext-')) : undefined;
if (vsix) console.log(installVsix(vsix, extensionsDir).trim());
const server = await startCodeServer({ smokeTestDriver: !vsix, userDataDir, extensionsDir });
const browser = await launchBrowser();
const { page } = browser;
const cspViolations = [];
page.on('console', (m) => {
  if (/Content Security Policy|Refused to (apply|load|execute)/i.test(m.text())) cspViolations.push(m.text());
});
const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${ROOT}`]]);
const url = `${server.url}/?folder=${encodeURIComponent(workspace)}` + (vsix ? '' : `&payload=${encodeURIComponent(payload)}`);
const panel = () => webviewFrame(page);
const shot = (name) => screenshot(page, name);

/** Statistics of the canvas pixels inside the webview: how many distinct grey levels, and their spread. */
const canvasStats = () =>
  panel()
    .locator('#grid')
    .evaluate((canvas) => {
      const { width, height } = canvas;
      const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
      const levels = new Set();
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < data.length; i += 4) {
        levels.add(data[i]);
        sum += data[i];
        sq += data[i] * data[i];
      }
      const n = data.length / 4;
      return { width, height, levels: levels.size, std: Math.sqrt(Math.max(sq / n - (sum / n) ** 2, 0)) };
    });
const assertNotBlank = async (what) => {
  const s = await canvasStats();
  if (!(s.width > 32 && s.levels > 8 && s.std > 20)) throw new Error(`${what}: the canvas looks blank: ${JSON.stringify(s)}`);
  return s;
};

/** Run a command from the palette; retried while the extension host is still registering commands. */
async function palette(command, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await runCommand(page, command, { timeout: 10_000 });
    } catch (e) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw e;
    }
  }
}

/** Pick the palette row whose label is exactly `label` (for workbench commands that are not ranked first). */
async function pick(label, prefix = '>') {
  // a focused webview swallows F1: give the focus back to the workbench first (the side bar's title)
  await page.locator('.part.sidebar .composite.title').first().click();
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input').first();
  await input.waitFor({ state: 'visible', timeout: 20_000 });
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(`${prefix}${label}`);
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  await page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exact }) })
    .first()
    .click({ timeout: 20_000 });
}

let exitCode = 1;
try {
  console.log('PNDM UI test');
  await check(`the workbench loads with ${vsix ? 'the packaged extension' : 'the extension under development'}`, async () => {
    await openWorkbench(page, url);
  });

  await check('palette → "PNDM: Generate Samples" opens the panel on the bundled model', async () => {
    await palette('PNDM: Generate Samples');
    await panel().locator('#model-name').filter({ hasText: 'mnist_ddpm.onnx' }).waitFor({ timeout: 60_000 });
    // the model's facts are one click away (collapsed, so that the grid gets the height)
    await panel().locator('#model-details summary').click();
    await panel().locator('#model-facts').filter({ hasText: '1×32×32' }).waitFor({ timeout: 10_000 });
    await panel().locator('#model-details summary').click();
    await panel().locator('#model-facts').waitFor({ state: 'hidden', timeout: 10_000 });
  });

  await check('the controls show the settings and are labelled; η is shown only for DDIM, the variance only for DDPM', async () => {
    const p = panel();
    for (const id of [
      'sampler',
      'steps',
      'samples',
      'seed',
      'spacing',
      'variance',
      'solver-order',
      'solver-type',
      'tolerance',
      'eps-scale',
      'provider',
      'generate',
      'cancel',
      'save',
      'copy',
      'browse',
      'bundled',
      'new-seed',
    ]) {
      const label = (await p.locator(`#${id}`).getAttribute('aria-label')) ?? (await p.locator(`#${id}`).getAttribute('aria-labelledby'));
      if (!label) throw new Error(`#${id} has no accessible label`);
    }
    // WCAG 2.5.3 (label in name): the accessible name contains the text the control shows
    for (const id of [
      'browse',
      'recent',
      'bundled',
      'generate',
      'cancel',
      'save',
      'copy',
      'steps',
      'samples',
      'seed',
      'eta',
      'tolerance',
      'eps-scale',
    ]) {
      const [visible, name] = await p.locator(`#${id}`).evaluate((el) => [el.textContent.trim(), el.getAttribute('aria-label') ?? '']);
      if (!visible || !name.toLowerCase().includes(visible.toLowerCase()))
        throw new Error(`#${id}: accessible name "${name}" does not contain its visible label "${visible}"`);
    }
    if (!/Sample grid/.test((await p.locator('#grid').getAttribute('aria-label')) ?? ''))
      throw new Error('the grid canvas has no text alternative');
    const samples = await p.locator('#samples').evaluate((el) => el.value);
    if (samples !== '81') throw new Error(`samples shows ${samples}, expected the default 81`);
    if (await p.locator('#eta').isVisible()) throw new Error('η is visible for F-PNDM');
    if (await p.locator('#variance').isVisible()) throw new Error('the variance is visible for F-PNDM');
    await p.locator('#sampler').click();
    await p.locator('#sampler vscode-option', { hasText: 'DDIM' }).click();
    await p.locator('#eta').waitFor({ state: 'visible', timeout: 5000 });
    await p.locator('#sampler').click();
    await p.locator('#sampler vscode-option', { hasText: 'DDPM' }).click();
    await p.locator('#variance').waitFor({ state: 'visible', timeout: 5000 });
    await p.locator('#eta').waitFor({ state: 'hidden', timeout: 5000 });
    await p.locator('#sampler').click();
    await p.locator('#sampler vscode-option', { hasText: 'F-PNDM' }).click();
    await p.locator('#eta').waitFor({ state: 'hidden', timeout: 5000 });
    await p.locator('#variance').waitFor({ state: 'hidden', timeout: 5000 });
    await p.locator('#steps input').fill(STEPS);
  });

  await check(
    "each sampler's solver controls: the orders it takes, B(h) for UniPC, the tolerance for pf; the ε scale for all",
    async () => {
      const p = panel();
      const pickSampler = async (name) => {
        await p.locator('#sampler').click();
        await p.locator(`#sampler vscode-option[value="${name}"]`).click();
      };
      const visible = async () =>
        Object.fromEntries(
          await Promise.all(
            ['solver-order', 'solver-type', 'tolerance', 'eps-scale'].map(async (id) => [id, await p.locator(`#${id}`).isVisible()]),
          ),
        );
      const orders = () => p.locator('#solver-order vscode-option').allTextContents();
      const expect = (what, got, want) => {
        if (JSON.stringify(got) !== JSON.stringify(want))
          throw new Error(`${what}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      };
      expect('F-PNDM shows', await visible(), { 'solver-order': false, 'solver-type': false, tolerance: false, 'eps-scale': true });
      expect('the ε scale', await p.locator('#eps-scale').evaluate((el) => el.value), '1');
      await pickSampler('unipc');
      await p.locator('#solver-order').waitFor({ state: 'visible', timeout: 5000 });
      expect('UniPC shows', await visible(), { 'solver-order': true, 'solver-type': true, tolerance: false, 'eps-scale': true });
      expect(
        "UniPC's orders",
        (await orders()).map((t) => t.trim()),
        ['default (2)', '1', '2', '3'],
      );
      await p.locator('#solver-order').click();
      await p.locator('#solver-order vscode-option[value="3"]').click();
      await pickSampler('ipndm');
      await p.locator('#solver-type').waitFor({ state: 'hidden', timeout: 5000 });
      expect(
        "iPNDM's orders",
        (await orders()).map((t) => t.trim()),
        ['default (4)', '1', '2', '3', '4'],
      );
      expect('the order kept from UniPC', await p.locator('#solver-order').evaluate((el) => el.value), '3');
      await pickSampler('pf');
      await p.locator('#tolerance').waitFor({ state: 'visible', timeout: 5000 });
      expect('pf shows', await visible(), { 'solver-order': false, 'solver-type': false, tolerance: true, 'eps-scale': true });
      // a mistyped ε scale is caught in the form, before anything reaches the host
      await p.locator('#eps-scale input').fill('2');
      await p.locator('#generate').click();
      await p.locator('#message').filter({ hasText: 'The ε scale must be a number from 0.5 to 1.5' }).waitFor({ timeout: 5000 });
      await p.locator('#eps-scale input').fill('1');
      await pickSampler('f-pndm');
      await p.locator('#solver-order').waitFor({ state: 'hidden', timeout: 5000 });
    },
  );

  await check('every control is reachable with the keyboard (Tab from Browse… reaches Generate)', async () => {
    const p = panel();
    await p.locator('#browse').focus();
    const seen = [];
    for (let i = 0; i < 20 && !seen.includes('generate'); i++) {
      await page.keyboard.press('Tab');
      seen.push(await p.locator('body').evaluate(() => document.activeElement?.id ?? ''));
    }
    for (const id of [
      'recent',
      'bundled',
      'sampler',
      'steps',
      'samples',
      'seed',
      'new-seed',
      'spacing',
      'provider',
      'preview',
      'generate',
    ]) {
      if (!seen.includes(id)) throw new Error(`Tab never reached #${id}: ${seen.join(' → ')}`);
    }
  });

  let mid;
  await check('Generate: frames appear on the canvas while sampling (screenshot panel-midrun.png)', async () => {
    await panel().locator('#generate').click();
    await panel().locator('body[data-frames="3"], body[data-frames="4"], body[data-frames="5"]').waitFor({ timeout: 120_000 });
    mid = await assertNotBlank('mid-run');
    // the worker runs one job at a time: the zoom's Re-sample would wait behind the run, so it is off
    for (const id of ['resample', 'export-image-gif', 'generate'])
      if ((await panel().locator(`#${id}`).getAttribute('disabled')) === null) throw new Error(`#${id} is enabled during a run`);
    await shot('panel-midrun.png');
    const status = await panel().locator('#status').textContent();
    if (!/step \d+\/\d+ · \d+ model calls · [\d.]+ it\/s · .* · cpu/.test(status ?? '')) throw new Error(`status line: ${status}`);
  });

  await check('the final grid and the summary line appear (screenshot panel-final.png)', async () => {
    await panel().locator('#summary').filter({ hasText: 'model calls on cpu' }).waitFor({ timeout: 300_000 });
    const final = await assertNotBlank('final');
    if (final.width !== 9 * 32 + 8 * 2) throw new Error(`the grid is ${final.width} px wide, expected 9 columns: ${JSON.stringify(final)}`);
    await shot('panel-final.png');
    console.log(`    canvas mid-run ${JSON.stringify(mid)}, final ${JSON.stringify(final)}`);
  });

  await check(
    'in a 1440×900 window the whole 9×9 grid is visible without scrolling, larger than its own pixels; the canvas says what it shows',
    async () => {
      const m = await panel()
        .locator('body')
        .evaluate(() => {
          const canvas = document.getElementById('grid');
          const box = canvas.getBoundingClientRect();
          const name = document.getElementById('model-name');
          return {
            top: box.top,
            bottom: box.bottom,
            width: box.width,
            height: box.height,
            innerHeight,
            scrollHeight: document.scrollingElement.scrollHeight,
            nameLines: name.getClientRects().length,
            label: canvas.getAttribute('aria-label'),
          };
        });
      console.log(`    grid box ${JSON.stringify(m)}`);
      if (m.scrollHeight > m.innerHeight + 1) throw new Error(`the panel scrolls: ${m.scrollHeight} px of content in ${m.innerHeight} px`);
      if (m.bottom > m.innerHeight + 0.5) throw new Error(`the grid ends at ${m.bottom} px, below the panel's ${m.innerHeight} px`);
      if (Math.min(m.width, m.height) < 9 * 32 + 8 * 2)
        throw new Error(`the grid is drawn smaller than its own pixels: ${m.width}×${m.height}`);
      if (m.nameLines !== 1) throw new Error(`the model name takes ${m.nameLines} lines`);
      if (!/^Sample grid: F-PNDM, \d+ steps, 81 samples: \d+ model calls/.test(m.label ?? ''))
        throw new Error(`canvas text alternative: ${m.label}`);
    },
  );

  await check(
    "Generate, Cancel and Save PNG are in the panel's title bar; Ctrl+Enter generates and Escape cancels in the panel",
    async () => {
      const action = (label) => page.locator(`.editor-group-container.active .editor-actions a.action-label[aria-label^="${label}"]`);
      for (const label of ['Generate', 'Cancel Run', 'Save PNG']) await action(label).waitFor({ timeout: 20_000 });
      const p = panel();
      await p.locator('#steps input').fill('5');
      await p.locator('#steps input').focus();
      await runToEnd(p, () => page.keyboard.press('Control+Enter'), ', 5 steps, ', 120_000);
      await p.locator('#steps input').fill('400');
      await p.locator('#steps input').focus();
      await page.keyboard.press('Control+Enter');
      await p.locator('body.running').waitFor({ timeout: 30_000 });
      await page.waitForTimeout(1500);
      await page.keyboard.press('Escape');
      await p.locator('#message').filter({ hasText: 'Cancelled.' }).waitFor({ timeout: 30_000 });
      await p.locator('body:not(.running)').waitFor({ timeout: 10_000 });
      await p.locator('#steps input').fill(STEPS);
      await runToEnd(p, () => action('Generate').click(), `, ${STEPS} steps, `, 300_000);
      await shot('panel-titlebar.png');
    },
  );

  await check(
    'while the panel is hidden a status-bar item shows the run\'s progress; "PNDM: Cancel Run" from the palette cancels it',
    async () => {
      const p = panel();
      await p.locator('#steps input').fill('400');
      await p.locator('#generate').click();
      await p.locator('body.running').waitFor({ timeout: 30_000 });
      await pick('File: New Untitled Text File');
      const item = page.locator('.statusbar-item', { hasText: /PNDM F-PNDM 400 steps: \d+\/400/ });
      await item.waitFor({ timeout: 60_000 });
      console.log(`    status bar: ${await item.textContent()}`);
      await shot('panel-statusbar.png');
      await palette('PNDM: Cancel Run');
      await item.waitFor({ state: 'hidden', timeout: 30_000 });
      await pick('View: Open Previous Editor');
      await p.locator('#model-name').filter({ hasText: 'mnist_ddpm.onnx' }).waitFor({ timeout: 30_000 });
      await p.locator('body:not(.running)').waitFor({ timeout: 30_000 }); // idle again (its Cancelled notice went to the hidden page)
      await p.locator('#steps input').fill(STEPS);
      await runToEnd(p, () => p.locator('#generate').click(), `, ${STEPS} steps, `, 300_000);
    },
  );

  await check(
    'click a sample to zoom it; "Re-sample this image" is exact and brings its denoising strip; GIFs of it and of the grid are written and decode (panel-zoom.png)',
    async () => {
      const p = panel();
      await zoomImage24(p);
      const same = await p.locator('body').evaluate(() => {
        const grid = document
          .getElementById('grid')
          .getContext('2d')
          .getImageData(5 * 34, 2 * 34, 32, 32).data;
        const zoom = document.getElementById('zoom-canvas').getContext('2d').getImageData(0, 0, 32, 32).data;
        return grid.length === zoom.length && grid.every((v, i) => v === zoom[i]);
      });
      if (!same) throw new Error("the zoomed image is not the grid's image 24");
      await p.locator('#resample').click();
      await p.locator('#zoom-result').filter({ hasText: "identical to the grid's image (max |Δ| = 0)" }).waitFor({ timeout: 120_000 });
      const strip = Number(await p.locator('body').getAttribute('data-strip'));
      if (strip !== Number(STEPS) + 1)
        throw new Error(`the strip has ${strip} frames, expected x_T, ${Number(STEPS) - 1} steps and the final image`);
      await shot('panel-zoom.png');
      const { GifReader } = createRequire(import.meta.url)('omggif');
      const savedGif = async (button, frames, width) => {
        await p.locator('#message').evaluate((el) => (el.textContent = ''));
        await p.locator(button).click();
        const text = await p.locator('#message').filter({ hasText: 'Saved animation' }).textContent({ timeout: 60_000 });
        const file = /Saved animation (.+\.gif) \((\d+) frames\)/.exec(text)?.[1];
        if (!file || !existsSync(file)) throw new Error(`no GIF written: ${text}`);
        const reader = new GifReader(new Uint8Array(readFileSync(file)));
        if (reader.width !== width || (frames && reader.numFrames() !== frames) || reader.numFrames() < 3)
          throw new Error(`${file}: ${reader.width}×${reader.height}, ${reader.numFrames()} frames`);
        console.log(`    ${file}: ${reader.width}×${reader.height}, ${reader.numFrames()} frames`);
        return file;
      };
      const one = await savedGif('#export-image-gif', strip, 32);
      await p.locator('#zoom-close').click();
      const grid = await savedGif('#export-gif', 0, 304);
      const again = await savedGif('#export-gif', 0, 304);
      if (again === grid || !existsSync(grid) || !existsSync(one)) throw new Error('an export overwrote an earlier one');
    },
  );

  await check(
    'the run history keeps finished runs; two runs of the same settings differ by 0; Open shows a kept run, whose images zoom and re-sample; Save writes its PNG (panel-history.png)',
    async () => {
      const p = panel();
      const before = Number(await p.locator('#history-count').textContent());
      await p.locator('#generate').click();
      await p.locator('body.running').waitFor({ timeout: 30_000 });
      await p.locator('body:not(.running)').waitFor({ timeout: 300_000 });
      await p
        .locator('#history-count')
        .filter({ hasText: String(before + 1) })
        .waitFor({ timeout: 30_000 });
      await p.locator('#history summary').click();
      await p.locator('#history-0 vscode-checkbox').click();
      await p.locator('#history-1 vscode-checkbox').click();
      await p.locator('#history-diff').click();
      await p.locator('#diff-stats').filter({ hasText: 'Largest difference' }).waitFor({ timeout: 10_000 });
      const stats = await p.locator('#diff-stats').textContent();
      if (!/^Largest difference 0\/255, mean 0\.00\/255/.test(stats)) throw new Error(`two runs of the same settings differ: ${stats}`);
      await shot('panel-history.png');
      await p.locator('#diff-close').click();
      await p.locator('#message').evaluate((el) => (el.textContent = ''));
      await p.locator('#history-1 vscode-button', { hasText: 'Save' }).click();
      const saved = /Saved (.+\.png)/.exec(await p.locator('#message').filter({ hasText: 'Saved' }).textContent({ timeout: 30_000 }))?.[1];
      if (!saved || !existsSync(saved) || !readFileSync(saved).subarray(1, 4).equals(Buffer.from('PNG')))
        throw new Error(`no PNG saved: ${saved}`);
      await p.locator('#history-1 vscode-button', { hasText: 'Open' }).click();
      await p.locator('#summary').filter({ hasText: 'model calls on cpu' }).waitFor({ timeout: 10_000 });
      await assertNotBlank('a run opened from the history');
      // a kept run's picture zooms too, and its image re-samples to the same 8-bit pixels
      await resampleKeptImage(p);
      await p.locator('#history summary').click();
    },
  );

  await check('a PNG saved by the panel, dropped back on it, restores its settings', async () => {
    const p = panel();
    await p.locator('#message').evaluate((el) => (el.textContent = ''));
    await p.locator('#save').click();
    const text = await p
      .locator('#message')
      .filter({ hasText: /^Saved / })
      .textContent({ timeout: 30_000 });
    const file = /^Saved (.+\.png)/.exec(text)?.[1];
    if (!file || !existsSync(file)) throw new Error(`no PNG saved: ${text}`);
    const steps = await p.locator('#steps').evaluate((el) => el.value);
    await p.locator('#steps input').fill('7');
    await p.locator('#samples input').fill('9');
    await p.locator('body').evaluate(
      (body, [b64, name]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, { type: 'image/png' }));
        body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      [readFileSync(file).toString('base64'), file.split('/').pop()],
    );
    await p.locator('#message').filter({ hasText: 'Settings restored from' }).waitFor({ timeout: 30_000 });
    const restored = await p
      .locator('body')
      .evaluate(() => [document.getElementById('steps').value, document.getElementById('samples').value]);
    if (restored[0] !== steps || restored[1] !== '81')
      throw new Error(`restored steps/samples ${restored.join('/')}, expected ${steps}/81`);
    await assertNotBlank('the dropped PNG');
  });

  await check('a UniPC run with order 3, bh1 and ε × 1.02 set in the panel runs with them: its summary line says so', async () => {
    const p = panel();
    const steps = await p.locator('#steps').evaluate((el) => el.value);
    await p.locator('#sampler').click();
    await p.locator('#sampler vscode-option[value="unipc"]').click();
    await p.locator('#solver-order').click();
    await p.locator('#solver-order vscode-option[value="3"]').click();
    await p.locator('#solver-type').click();
    await p.locator('#solver-type vscode-option[value="bh1"]').click();
    await p.locator('#eps-scale input').fill('1.02');
    await p.locator('#steps input').fill('6');
    await p.locator('#samples input').fill('4');
    await runToEnd(p, () => p.locator('#generate').click(), 'UniPC, 6 steps (order 3, bh1, ε × 1.02), 4 samples: 6 model calls', 60_000);
    // back to the settings the later checks expect
    await p.locator('#eps-scale input').fill('1');
    await p.locator('#sampler').click();
    await p.locator('#sampler vscode-option[value="f-pndm"]').click();
    await p.locator('#steps input').fill(steps);
    await p.locator('#samples input').fill('81');
  });

  await check('palette → "PNDM: Compare Samplers" opens the compare view on the model, every sampler of ours to pick', async () => {
    await palette('PNDM: Compare Samplers');
    const p = panel();
    await p.locator('#model-name').filter({ hasText: 'mnist_ddpm.onnx' }).waitFor({ timeout: 60_000 });
    const labels = await p.locator('#samplers vscode-checkbox').allTextContents();
    for (const label of ['F-PNDM', 'S-PNDM', 'FON', 'PLMS', 'DDIM', 'PF-ODE', 'DDPM'])
      if (!labels.map((l) => l.trim()).includes(label)) throw new Error(`no ${label} to pick: ${labels.join(', ')}`);
  });

  let leadingRms;
  await check(
    'a 2×2 comparison runs to the end: four filled cells with calls, time and RMS, and the log–log chart (compare.png)',
    async () => {
      const p = panel();
      for (const s of ['ddim', 's-pndm', 'f-pndm', 'fon', 'plms', 'pf', 'ddpm']) {
        const box = p.locator(`#sampler-${s}`);
        const want = s === 'ddim' || s === 'f-pndm';
        if ((await box.getAttribute('aria-checked')) !== String(want)) await box.click();
      }
      await p.locator('#steps input').fill('5, 10');
      await p.locator('#samples input').fill('4');
      await p.locator('#seed input').fill('0');
      await p.locator('#reference').click();
      await p.locator('#reference vscode-option', { hasText: 'F-PNDM 100 steps' }).click();
      await p.locator('#run').click();
      await p.locator('body.running').waitFor({ timeout: 30_000 });
      await p.locator('body[data-cells="4"]').waitFor({ timeout: 600_000 });
      await p.locator('body:not(.running)').waitFor({ timeout: 30_000 });
      const captions = await p.locator('td.cell.done .cell-caption').allInnerTexts();
      if (captions.length !== 4) throw new Error(`${captions.length} filled cells`);
      const rms = {};
      for (const c of captions) {
        const m = /^(\S+) · (\d+) steps\n(\d+) model calls · [\d.]+ s\nRMS ([\d.e+-]+)$/.exec(c.trim());
        if (!m) throw new Error(`cell caption: ${JSON.stringify(c)}`);
        rms[`${m[1]} ${m[2]}`] = Number(m[4]);
      }
      console.log(`    RMS to F-PNDM 100 steps: ${JSON.stringify(rms)}`);
      leadingRms = rms;
      for (const s of ['DDIM', 'F-PNDM'])
        if (!(rms[`${s} 10`] < rms[`${s} 5`] && rms[`${s} 10`] > 0))
          throw new Error(`${s}: more steps did not come closer to the reference`);
      for (let i = 0; i < 4; i++) {
        const blank = await p.locator(`#cell-${i} canvas`).evaluate((c) => {
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          const levels = new Set();
          for (let k = 0; k < d.length; k += 4) levels.add(d[k]);
          return levels.size < 8 || c.width < 32;
        });
        if (blank) throw new Error(`cell ${i} is blank`);
      }
      await p.locator('#chart canvas').waitFor({ timeout: 10_000 });
      const chart = await p.locator('#chart canvas').evaluate((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let drawn = 0;
        for (let k = 3; k < d.length; k += 4) if (d[k] > 0) drawn++;
        return { width: c.width, height: c.height, drawn };
      });
      if (!(chart.width >= 250 && chart.height >= 150 && chart.drawn > 500))
        throw new Error(`the chart was not drawn: ${JSON.stringify(chart)}`);
      const legend = await p.locator('#chart .u-legend').innerText();
      if (!/DDIM/.test(legend) || !/F-PNDM/.test(legend)) throw new Error(`chart legend: ${legend}`);
      await shot('compare.png');
    },
  );

  await check('a compare cell opens as a normal run in the sampling panel (settings, grid, summary; Save enabled)', async () => {
    await panel().locator('#cell-1').click(); // row F-PNDM (samplers are rows in SAMPLER_NAMES order), column 10 steps
    const p = panel();
    await p.locator('#summary').filter({ hasText: 'F-PNDM, 10 steps, 4 samples' }).waitFor({ timeout: 30_000 });
    if ((await p.locator('#steps').evaluate((el) => el.value)) !== '10') throw new Error('the steps field does not show the cell');
    if ((await p.locator('#samples').evaluate((el) => el.value)) !== '4') throw new Error('the samples field does not show the cell');
    if ((await p.locator('#save').getAttribute('disabled')) !== null) throw new Error('Save is disabled');
    await assertNotBlank('the opened cell');
    await p.locator('#samples input').fill('81');
  });

  await check(
    'the same comparison on trailing grids: other RMS, the chart says which grids, and a cell opens with its spacing',
    async () => {
      await palette('PNDM: Compare Samplers'); // reveals the view, its last comparison still shown
      let p = panel();
      await p.locator('body[data-cells="4"]').waitFor({ timeout: 30_000 });
      const shown = await p.locator('#spacing').evaluate((el) => el.value);
      if (shown !== 'leading') throw new Error(`the spacing control shows ${shown}, expected leading (the comparison's)`);
      await p.locator('#spacing').click();
      await p.locator('#spacing vscode-option[value="trailing"]').click();
      await p.locator('#run').click();
      // the reference is cached, so the run may end before a check for its running state: wait for its end message
      await p
        .locator('#message')
        .filter({ hasText: '4 cells on trailing grids compared with F-PNDM 100 steps.' })
        .waitFor({ timeout: 600_000 });
      const rms = {};
      for (const c of await p.locator('td.cell.done .cell-caption').allInnerTexts()) {
        const m = /^(\S+) · (\d+) steps\n\d+ model calls · [\d.]+ s\nRMS ([\d.e+-]+)$/.exec(c.trim());
        if (m) rms[`${m[1]} ${m[2]}`] = Number(m[3]);
      }
      console.log(`    trailing: ${JSON.stringify(rms)}`);
      if (Object.keys(rms).length !== 4) throw new Error(`${Object.keys(rms).length} filled cells`);
      if (Object.keys(rms).every((k) => rms[k] === leadingRms[k]))
        throw new Error('trailing grids gave the leading RMS: the spacing did not reach the cells');
      const caption = await p.locator('#chart-caption').innerText();
      if (!/cells on trailing grids/.test(caption)) throw new Error(`chart caption: ${caption}`);
      await p.locator('#cell-1').click();
      p = panel();
      await p.locator('#summary').filter({ hasText: 'F-PNDM, 10 steps, 4 samples' }).waitFor({ timeout: 30_000 });
      const spacing = await p.locator('#spacing').evaluate((el) => el.value);
      if (spacing !== 'trailing') throw new Error(`the opened cell shows spacing ${spacing}`);
      await p.locator('#spacing').click();
      await p.locator('#spacing vscode-option[value="auto"]').click();
      await p.locator('#samples input').fill('81');
    },
  );

  await check('hidden and shown again, the panel repaints its last grid (no retainContextWhenHidden)', async () => {
    await pick('File: New Untitled Text File'); // opens in the panel's editor group, hiding the webview
    await page.locator('.tab.active', { hasText: /Untitled-\d+/ }).waitFor({ timeout: 20_000 });
    await pick('View: Open Previous Editor');
    await panel().locator('#summary').filter({ hasText: 'model calls' }).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    await assertNotBlank('after being hidden');
  });

  await check('after a window reload the panel is restored with its grid, and the compare view with its form', async () => {
    await pick('Developer: Reload Window');
    await page.waitForTimeout(2000);
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    await panel().locator('#summary').filter({ hasText: 'model calls' }).waitFor({ timeout: 120_000 });
    await page.waitForTimeout(1000);
    await assertNotBlank('after reload');
    if (grep === undefined && Number(await panel().locator('#history-count').textContent()) < 2)
      throw new Error('the run history did not survive the reload');
    if (grep === undefined) {
      // the compare view, still open from the checks above, is restored too: its model, its form, and a
      // word that its cells are not kept
      await page.locator('.tab', { hasText: 'PNDM: Compare' }).click({ timeout: 20_000 });
      const c = panel();
      await c.locator('#model-name').filter({ hasText: 'mnist_ddpm.onnx' }).waitFor({ timeout: 60_000 });
      await c.locator('#message').filter({ hasText: 'Restored after a reload' }).waitFor({ timeout: 30_000 });
      const steps = await c.locator('#steps').evaluate((el) => el.value);
      if (steps !== '5, 10') throw new Error(`the restored compare form shows steps "${steps}", not the comparison's "5, 10"`);
      await pick('View: Close Editor');
      await panel().locator('#summary').filter({ hasText: 'model calls' }).waitFor({ timeout: 30_000 });
    }
  });

  await check('light and high-contrast themes follow VS Code (screenshots panel-light.png, panel-hc.png)', async () => {
    const background = () =>
      panel()
        .locator('body')
        .evaluate((b) => getComputedStyle(b).backgroundColor);
    const seen = new Set([await background()]);
    for (const [theme, file] of [
      ['Light Modern', 'panel-light.png'],
      ['Dark High Contrast', 'panel-hc.png'],
    ]) {
      await pick('Preferences: Color Theme');
      await page.waitForTimeout(500);
      await page.keyboard.type(theme);
      await page
        .locator('.quick-input-list .monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${theme}$`) }) })
        .first()
        .click({ timeout: 20_000 });
      await page.waitForTimeout(2000);
      await shot(file);
      seen.add(await background());
    }
    if (seen.size !== 3) throw new Error(`the panel background did not follow the theme: ${[...seen].join(', ')}`);
  });

  await check('a reload mid-run leaves no extension host or worker behind; the restored panel is idle and runs', async () => {
    // the extension hosts of this code-server (its own session: startCodeServer detaches it)
    const hosts = () =>
      execFileSync('ps', ['-o', 'pid=,args=', '-s', String(server.pid)], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes('--type=extensionHost'))
        .map((line) => Number(line.trim().split(/\s+/)[0]));
    /** CPU seconds used by process `pid` so far (utime + stime, in clock ticks of 1/100 s). */
    const cpuSeconds = (pid) => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    };
    const [old] = hosts();
    if (hosts().length !== 1) throw new Error(`expected one extension host, found ${hosts().join(', ')}`);
    await panel().locator('#steps input').fill('400');
    await panel().locator('#generate').click();
    await panel().locator('body.running').waitFor({ timeout: 30_000 });
    const frames = Number(await panel().locator('body').getAttribute('data-frames'));
    const midRun = `body[data-frames="${frames + 2}"]`; // two frames into the run
    await panel().locator(midRun).waitFor({ timeout: 120_000 });
    await pick('Developer: Reload Window');
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    const deadline = Date.now() + 60_000;
    while (hosts().includes(old) || hosts().length !== 1) {
      if (Date.now() > deadline) throw new Error(`the old extension host ${old} is still there: ${hosts().join(', ')}`);
      await page.waitForTimeout(250);
    }
    await panel().locator('#model-name').filter({ hasText: 'mnist_ddpm.onnx' }).waitFor({ timeout: 120_000 });
    await panel().locator('body:not(.running)').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(2000); // the restored panel has loaded its model; nothing should run now
    const [host] = hosts();
    const cpu0 = cpuSeconds(host);
    await page.waitForTimeout(3000);
    const busy = (cpuSeconds(host) - cpu0) / 3;
    console.log(`    old extension host ${old} gone; new host ${host} uses ${(busy * 100).toFixed(0)}% of a core while idle`);
    if (busy > 0.5) throw new Error(`the new extension host is busy (${(busy * 100).toFixed(0)}% of a core): a run is going`);
    await panel().locator('#steps input').fill('5');
    await runToEnd(panel(), () => panel().locator('#generate').click(), ', 5 steps, ', 120_000);
    await assertNotBlank('the run after the reload');
    await shot('panel-reload-midrun.png');
  });

  await check(
    'after a reload the restored grid is the run the history kept: its images zoom and re-sample to the same pixels',
    async () => {
      await pick('Developer: Reload Window');
      await page.waitForTimeout(2000);
      await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
      const p = panel();
      await p.locator('#summary').filter({ hasText: ', 5 steps, ' }).waitFor({ timeout: 120_000 });
      await p.locator('#model-name').filter({ hasText: 'mnist_ddpm.onnx' }).waitFor({ timeout: 120_000 }); // the new host's Init
      await resampleKeptImage(p);
    },
  );

  await check('no Content-Security-Policy violations were reported', async () => {
    if (cspViolations.length) throw new Error(cspViolations.join('\n'));
  });
  exitCode = 0;
} catch {
  await shot('panel-failure.png').catch(() => undefined);
} finally {
  const passed = results.filter((r) => r.ok).length;
  console.log(`ui: ${passed} passed, ${results.length - passed} failed`);
  await browser.close();
  await server.stop();
}
process.exit(exitCode);
