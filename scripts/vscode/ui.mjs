// Playwright helpers to drive the code-server workbench in UI tests (see scripts/vscode/README.md).
// Typical use:
//   const cs = await startCodeServer({ workspace, extensionsDir });   // codeServer.mjs
//   const { page, close } = await launchBrowser();
//   await openWorkbench(page, `${cs.url}/?folder=${encodeURIComponent(workspace)}`);
//   await runCommand(page, 'PNDM: Generate Samples');
//   await webviewFrame(page).locator('button', { hasText: 'Generate' }).click();
//   await screenshot(page, 'panel');
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './provision.mjs';

export const ARTIFACTS = join(REPO, 'test-artifacts');

/**
 * Open the workbench at `url` and wait until it is usable: the workbench, its status bar, and (if a
 * folder is open) the extension host's "ready" state as seen by the explorer.
 * @param {import('playwright-core').Page} page
 * @param {string} url  e.g. `${server.url}/?folder=${encodeURIComponent(dir)}` (add `&payload=` for dev extensions)
 */
export async function openWorkbench(page, url, { timeout = 120_000 } = {}) {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout });
  // The activity bar is drawn once the layout is restored; the command palette works from then on.
  await page.locator('.monaco-workbench .part.activitybar, .monaco-workbench .part.sidebar').first().waitFor({ state: 'visible', timeout });
  return page;
}

/**
 * Run a command from the palette by its full title, as a user would: F1, type, Enter.
 * @param {import('playwright-core').Page} page
 * @param {string} title  e.g. 'PNDM: Generate Samples' (category: title)
 */
export async function runCommand(page, title, { timeout = 60_000 } = {}) {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input').first();
  // Enter runs the first row: wait until the first row is the command asked for.
  const row = widget.locator('.monaco-list-row[data-index="0"]', { hasText: title });
  const deadline = Date.now() + timeout;
  // The palette lists the commands known when it opens: right after the workbench loads, an
  // extension's commands may not be registered yet, so close and reopen until the title shows.
  for (let attempt = 1; ; attempt++) {
    // Take focus out of a webview iframe (which would swallow F1) back to the workbench document.
    await page.evaluate(() => {
      const el = document.activeElement;
      if (el && el.tagName === 'IFRAME') el.blur();
    });
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: Math.max(1000, deadline - Date.now()) });
    // Type like a user: the palette filters on keyboard input.
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(`>${title}`);
    try {
      await row.waitFor({ state: 'visible', timeout: Math.min(3000, Math.max(500, deadline - Date.now())) });
      break;
    } catch (e) {
      await page.keyboard.press('Escape');
      if (Date.now() >= deadline)
        throw new Error(`command '${title}' not found in the palette after ${attempt} attempts (${timeout} ms)`, { cause: e });
      await page.waitForTimeout(500);
    }
  }
  await page.keyboard.press('Enter');
  await widget.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});
}

/**
 * The content frame of the active webview panel (VS Code nests it: iframe.webview > #active-frame).
 * @param {import('playwright-core').Page} page
 * @returns {import('playwright-core').FrameLocator}
 */
export function webviewFrame(page) {
  return page.frameLocator('iframe.webview').frameLocator('#active-frame');
}

/**
 * Save a PNG of the page to test-artifacts/<name>.png and return its path.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, name.endsWith('.png') ? name : `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
