/**
 * Workspace trust and paths: the manifest declares limited support in untrusted workspaces with the two
 * settings that name files restricted; the settings reader ignores their workspace values when the
 * workspace is not trusted (VS Code does so for get(), not for inspect(), which the reader uses); and no
 * message from the webview can carry a path to the host.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  configuredValue,
  DEFAULTS,
  ignoredUntrusted,
  normalizeSettings,
  RESTRICTED_IN_UNTRUSTED,
  RULES,
  type ExtensionSettings,
  type InspectedSetting,
} from '../../src/extension/settingsSchema';
import { validateMessage } from '../../src/extension/validate';
import { repoRoot } from '../support/paths';

const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));

test('package.json: limited support in untrusted workspaces, pndm.modelPath and pndm.outputFolder restricted', () => {
  const untrusted = manifest.capabilities?.untrustedWorkspaces;
  assert.equal(untrusted?.supported, 'limited');
  assert.deepEqual(untrusted.restrictedConfigurations, ['pndm.modelPath', 'pndm.outputFolder']);
  assert.deepEqual(
    untrusted.restrictedConfigurations,
    RESTRICTED_IN_UNTRUSTED.map((k) => `pndm.${k}`),
  );
  assert.match(untrusted.description, /pndm\.modelPath and pndm\.outputFolder settings are ignored/);
  // every restricted key is a string setting that names a file or folder
  for (const key of RESTRICTED_IN_UNTRUSTED) assert.equal(RULES[key].kind, 'string');
});

/** What inspect() reports in a workspace whose settings.json sets both paths, on top of the user's own. */
const inspected: Partial<Record<keyof ExtensionSettings, InspectedSetting>> = {
  modelPath: { globalValue: '~/models/mine.onnx', workspaceValue: '../../../tmp/evil.onnx' },
  outputFolder: { workspaceFolderValue: '/home/me/.ssh' },
  steps: { globalValue: 20, workspaceValue: 30 },
  sampler: { workspaceFolderValue: 'ddim', workspaceValue: 's-pndm', globalValue: 'fon' },
};
const read = (trusted: boolean) => normalizeSettings((key) => configuredValue(key, inspected[key], trusted)).settings;

test('untrusted workspace: its modelPath and outputFolder are ignored (the user value or the default counts)', () => {
  const settings = read(false);
  assert.equal(settings.modelPath, '~/models/mine.onnx', "the workspace's modelPath was used");
  assert.equal(settings.outputFolder, DEFAULTS.outputFolder, "the workspace folder's outputFolder was used");
  // the other settings are harmless and keep their workspace values
  assert.equal(settings.steps, 30);
  assert.equal(settings.sampler, 'ddim');
  assert.deepEqual(
    ignoredUntrusted((k) => inspected[k], false),
    ['modelPath', 'outputFolder'],
  );
});

test('trusted workspace: the most specific value wins for every key, nothing is ignored', () => {
  const settings = read(true);
  assert.equal(settings.modelPath, '../../../tmp/evil.onnx');
  assert.equal(settings.outputFolder, '/home/me/.ssh');
  assert.equal(settings.steps, 30);
  assert.equal(settings.sampler, 'ddim');
  assert.deepEqual(
    ignoredUntrusted((k) => inspected[k], true),
    [],
  );
  assert.equal(configuredValue('modelPath', undefined, false), undefined);
  assert.equal(configuredValue('modelPath', { workspaceValue: 'x.onnx' }, false), undefined);
});

test('no webview message carries a path: path-like fields are dropped from every accepted message', () => {
  const paths = {
    path: '/etc/passwd',
    modelPath: '../x.onnx',
    model: 'C:\\m.onnx',
    uri: 'file:///etc/shadow',
    outputFolder: '/',
    folder: '~',
  };
  const settings = {
    sampler: 'ddim',
    steps: 5,
    samples: 1,
    seed: 0,
    spacing: 'leading',
    eta: 0,
    variance: 'auto',
    solverOrder: 0,
    solverType: 'bh2',
    epsScale: 1,
    tolerance: 0.001,
    provider: 'cpu',
    preview: 'x0',
  };
  for (const type of ['ready', 'cancel', 'save', 'copySettings', 'browseModel', 'useBundledModel']) {
    assert.deepEqual(validateMessage({ type, ...paths }), { ok: true, message: { type } });
  }
  assert.deepEqual(validateMessage({ type: 'generate', ...paths, settings: { ...settings, ...paths } }), {
    ok: true,
    message: { type: 'generate', settings },
  });
  // the only fields an accepted message can hold
  const fields = new Set<string>();
  const collect = (o: object, prefix = '') => {
    for (const [k, v] of Object.entries(o)) {
      fields.add(prefix + k);
      if (v && typeof v === 'object') collect(v, `${prefix}${k}.`);
    }
  };
  collect((validateMessage({ type: 'generate', settings }) as { message: object }).message);
  assert.deepEqual([...fields].sort(), ['settings', ...Object.keys(settings).map((k) => `settings.${k}`), 'type'].sort());
  for (const f of fields) assert.doesNotMatch(f, /path|file|folder|uri|dir|model/i);
});
