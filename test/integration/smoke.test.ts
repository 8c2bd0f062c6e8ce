// Needs no extension code: proves the runner starts a real VS Code extension host with a workspace.
import * as assert from 'assert';
import * as vscode from 'vscode';

describe('smoke: VS Code host', () => {
  it('exposes the vscode API with a version string', () => {
    assert.strictEqual(typeof vscode.version, 'string');
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
  });

  it('opened exactly one workspace folder', () => {
    const folders = vscode.workspace.workspaceFolders;
    assert.ok(folders, 'no workspace folder is open');
    assert.strictEqual(folders.length, 1);
  });
});
