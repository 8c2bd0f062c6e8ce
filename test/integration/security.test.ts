/**
 * The panel's security, checked on the real webview: a Content-Security-Policy with a per-load nonce
 * and nothing remote, resources only from the extension's dist/ and media/; messages cannot make the
 * host read or write a path of their choosing; a restored panel reopens only a model the user picked;
 * and the manifest's workspace-trust declaration as VS Code sees it.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ComparePanel } from '../../src/extension/comparePanel';
import type { SamplingPanel } from '../../src/extension/panel';
import { panelHtml } from '../../src/extension/panelHtml';
import { MessageType } from '../../src/protocol';
import { gaussianBytes } from '../support/badModels';
import { stubWindow, tempFolder, writeModelFile } from './badInputHelpers';
import { closePanel, collect, EXTENSION_ID, openPanel, pndm, until } from './pndmHelpers';

describe('PNDM bad input: security', function () {
  this.timeout(120_000);
  after(closePanel);

  it('the HTML: CSP default-src none, a nonce on every script, no remote or inline code, only local resources', async () => {
    const panel = await openPanel();
    const html = panel.panel.webview.html;
    const cspMeta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/g) ?? [];
    assert.equal(cspMeta.length, 1, 'exactly one CSP meta tag');
    const csp = /content="([^"]+)"/.exec(cspMeta[0])![1];
    const directives = Object.fromEntries(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([k, ...v]) => [k, v]),
    );
    assert.deepEqual(directives['default-src'], ["'none'"]);
    const nonce = /^'nonce-([A-Za-z0-9]{16,})'$/.exec(directives['script-src']?.[0] ?? '')?.[1];
    assert.ok(nonce && directives['script-src'].length === 1, `script-src is ${directives['script-src']}`);
    // apart from the webview's own resource origin (cspSource), no source is a host, a wildcard or unsafe
    const beyondOwnOrigin = csp.split(panel.panel.webview.cspSource).join('');
    assert.doesNotMatch(beyondOwnOrigin, /unsafe-inline|unsafe-eval|\*|https?:|\/\//);
    assert.ok(!directives['script-src'].includes('data:') && !directives['script-src'].includes('blob:'));
    for (const d of ['style-src', 'img-src', 'font-src']) assert.ok(directives[d], `${d} is not set`);
    // the head is in the document before any script: the CSP applies from the start
    assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<script'));
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.ok(scripts.length >= 1);
    for (const s of scripts) assert.match(s, new RegExp(`\\bnonce="${nonce}"`), s);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'an inline event handler');
    assert.doesNotMatch(html, /javascript:/i);
    // every URL is a webview resource URI of a file in dist/ or media/ of this extension
    const ext = (await pndm()).services.extensionUri;
    const allowed = ['dist', 'media'].map((d) => panel.panel.webview.asWebviewUri(vscode.Uri.joinPath(ext, d)).toString());
    const body = html.replace(cspMeta[0], '');
    const urls = [
      ...[...body.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]),
      ...(body.match(/(?:https?:)?\/\/[^\s"'<>)]+/g) ?? []),
    ];
    assert.ok(urls.length >= 2, `only ${urls.length} URLs`);
    for (const url of urls)
      assert.ok(
        allowed.some((root) => url.startsWith(`${root}/`)),
        `a URL outside dist/ and media/: ${url}`,
      );
    // the webview may load from those two folders only, and runs no command URIs
    const options = panel.panel.webview.options;
    assert.deepEqual(
      options.localResourceRoots?.map((u) => u.toString()),
      ['dist', 'media'].map((d) => vscode.Uri.joinPath(ext, d).toString()),
    );
    assert.ok(!options.enableCommandUris, 'command URIs are enabled');
    // a new nonce for every load
    const again = panelHtml(panel.panel.webview, ext);
    assert.notEqual(/'nonce-([^']+)'/.exec(again)![1], nonce);
  });

  it('messages carrying paths do not make the host read or write them', async () => {
    const panel = await openPanel();
    const dir = tempFolder('pndm-paths-');
    const target = join(dir, 'written-by-a-message.png');
    const secret = writeModelFile(dir, 'not-picked.onnx', gaussianBytes());
    const loads: string[] = [];
    const load = panel.client.load.bind(panel.client);
    panel.client.load = (modelPath, provider) => (loads.push(modelPath), load(modelPath, provider));
    const dialog = stubWindow('showOpenDialog');
    const saveDialog = stubWindow('showSaveDialog');
    try {
      const bundled = (await pndm()).services.bundledModel;
      await panel.handleMessage({
        type: MessageType.UseBundledModel,
        modelPath: secret,
        path: secret,
        uri: vscode.Uri.file(secret).toString(),
      });
      await panel.handleMessage({ type: MessageType.BrowseModel, path: secret, defaultUri: secret });
      await panel.handleMessage({ type: MessageType.Save, path: target, outputFolder: dir, folder: dir });
      await panel.handleMessage({ type: MessageType.CopySettings, path: target });
      await panel.handleMessage({ type: MessageType.Ready, modelPath: secret });
      assert.deepEqual(loads, [bundled], 'the host opened a path from a message');
      assert.equal(panel.model.path, bundled);
      assert.equal(dialog.calls.length, 1, 'Browse… opens the dialog');
      assert.equal(JSON.stringify(dialog.calls[0]).includes(dir), false, 'the dialog was pointed at a path from the message');
      assert.equal(saveDialog.calls.length, 0);
      assert.deepEqual(readdirSync(dir), ['not-picked.onnx'], 'a file was written where a message said');
      assert.equal(existsSync(target), false);
    } finally {
      dialog.restore();
      saveDialog.restore();
      panel.client.load = load;
    }
  });

  it('a restored panel or compare view reopens only a model the user picked (or the bundled one / pndm.modelPath), never any path its state names', async () => {
    const api = await pndm();
    const dir = tempFolder('pndm-revive-');
    const picked = writeModelFile(dir, 'picked.onnx', gaussianBytes());
    const planted = writeModelFile(dir, 'planted.onnx', gaussianBytes());
    await vscode.commands.executeCommand('pndm.sampleFromModel', vscode.Uri.file(picked));
    assert.ok(api.services.pickedModels.has(picked), 'the picked model was not remembered');
    assert.ok(!api.services.pickedModels.has(planted));
    const Panel = api.panel()!.constructor as typeof SamplingPanel;
    const revive = async (modelPath: string) => {
      const webviewPanel = vscode.window.createWebviewPanel(Panel.viewType, 'PNDM Sampler', vscode.ViewColumn.Active);
      const panel = Panel.revive(webviewPanel, api.services, { modelPath });
      await until(() => panel.model.path !== '', 'the restored panel to choose a model');
      await panel.model.ready;
      return panel;
    };
    const fromPlanted = await revive(planted);
    assert.equal(fromPlanted.model.path, api.services.bundledModel, 'a path from the webview state was opened');
    const fromPicked = await revive(picked);
    assert.equal(fromPicked.model.path, picked);
    assert.equal(fromPicked.model.summary?.imageShape, '1×4×4');
    const notAModel = await revive('/etc/passwd');
    assert.equal(notAModel.model.path, api.services.bundledModel);
    notAModel.dispose();

    // the compare view restores by the same rule
    await vscode.commands.executeCommand('pndm.compare');
    const Compare = api.comparePanel()!.constructor as typeof ComparePanel;
    const reviveCompare = async (modelPath: string) => {
      const webviewPanel = vscode.window.createWebviewPanel(Compare.viewType, 'PNDM: Compare', vscode.ViewColumn.Active);
      const view = Compare.revive(webviewPanel, api.services, { modelPath });
      const loaded = await new Promise<string | undefined>((resolve) => {
        const listener = view.onDidPost((m) => {
          // the first CompareInit (answering the page's Ready) may come before the model has loaded
          if ((m.type === MessageType.CompareInit && m.model) || m.type === MessageType.Error) {
            listener.dispose();
            resolve(m.type === MessageType.CompareInit ? m.model?.path : undefined);
          }
        });
      });
      return { view, loaded };
    };
    const comparePlanted = await reviveCompare(planted);
    assert.equal(comparePlanted.loaded, api.services.bundledModel, 'a path from the compare view state was opened');
    assert.equal(comparePlanted.view.panel.title, 'PNDM: Compare · mnist_ddpm.onnx');
    const { view: comparePicked, loaded } = await reviveCompare(picked);
    assert.equal(loaded, picked);
    assert.equal(comparePicked.panel.title, 'PNDM: Compare · picked.onnx');
    assert.equal(api.comparePanel(), comparePicked, 'one compare view at a time');
    comparePicked.dispose();
  });

  it('workspace trust: limited support declared, the two path settings restricted (VS Code ignores their workspace values when untrusted)', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    assert.deepEqual(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['pndm.modelPath', 'pndm.outputFolder']);
    // this test VS Code runs with workspace trust off, so the workspace counts as trusted
    assert.equal(vscode.workspace.isTrusted, true);
    const panel = await openPanel();
    const init = collect(panel, (m) => m.type === MessageType.Init);
    await panel.handleMessage({ type: MessageType.Ready });
    assert.equal((await init).messages.at(-1)?.type, MessageType.Init);
  });
});
