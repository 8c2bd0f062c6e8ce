import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DEFAULTS,
  describeRule,
  normalizeSettings,
  RULES,
  runSettingsOf,
  type ExtensionSettings,
} from '../../src/extension/settingsSchema';
import { repoRoot } from '../support/paths';

const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));

test('unset settings are the defaults, with no problems', () => {
  const { settings, problems } = normalizeSettings(() => undefined);
  assert.deepEqual(settings, DEFAULTS);
  assert.deepEqual(problems, []);
  assert.ok(Object.isFrozen(DEFAULTS));
});

test('valid values are kept', () => {
  const given: Partial<ExtensionSettings> = {
    sampler: 'ddim',
    steps: 1000,
    samples: 1,
    seed: -1,
    spacing: 'trailing',
    eta: 1,
    variance: 'learned_range',
    executionProvider: 'cpu',
    preview: 'xt',
    modelPath: '~/m.onnx',
    outputFolder: 'out',
    progressNotification: true,
  };
  const { settings, problems } = normalizeSettings((k) => given[k]);
  assert.deepEqual(settings, { ...DEFAULTS, ...given });
  assert.equal(problems.length, 0);
});

test('each invalid value falls back to its own default and is reported with key, value and valid range', () => {
  const bad: Record<string, unknown> = {
    steps: 5000,
    samples: '81',
    seed: 1.5,
    sampler: 'euler',
    spacing: 3,
    eta: -1,
    variance: 'fixed',
    executionProvider: 'tpu',
    preview: null,
    modelPath: 42,
    outputFolder: ['x'],
    progressNotification: 'yes',
  };
  const { settings, problems } = normalizeSettings((k) => bad[k]);
  assert.equal(settings.steps, 50);
  assert.equal(settings.samples, 81);
  assert.equal(settings.seed, 0);
  assert.equal(settings.sampler, 'f-pndm');
  assert.equal(settings.spacing, 'auto');
  assert.equal(settings.eta, 0);
  assert.equal(settings.variance, 'auto');
  assert.equal(settings.executionProvider, 'auto');
  assert.equal(settings.preview, 'x0'); // null counts as unset
  assert.equal(settings.modelPath, '');
  assert.equal(settings.outputFolder, '');
  assert.equal(settings.progressNotification, false);
  const byKey = Object.fromEntries(problems.map((p) => [p.key, p.message]));
  assert.deepEqual(Object.keys(byKey).sort(), [
    'eta',
    'executionProvider',
    'modelPath',
    'outputFolder',
    'progressNotification',
    'sampler',
    'samples',
    'seed',
    'spacing',
    'steps',
    'variance',
  ]);
  assert.equal(byKey.steps, 'pndm.steps is 5000, which is not an integer from 1 to 1000; using the default 50.');
  assert.equal(byKey.samples, 'pndm.samples is "81", which is not an integer from 1 to 1024; using the default 81.');
  assert.match(
    byKey.sampler,
    /pndm\.sampler is "euler", which is not one of f-pndm, s-pndm, fon, plms, ddim, pf, ddpm, dpmpp-2m, dpmpp-3m, unipc, ipndm, ipndm-v; using the default "f-pndm"/,
  );
  assert.match(byKey.eta, /pndm\.eta is -1, which is not a number from 0 to 1/);
  assert.match(byKey.variance, /pndm\.variance is "fixed", which is not one of auto, fixed_small, fixed_large, learned, learned_range/);
  assert.match(byKey.executionProvider, /"tpu".*one of auto, cpu, cuda, dml, coreml, webgpu/);
  assert.match(byKey.outputFolder, /pndm\.outputFolder is \["x"\], which is not a string/);
  assert.equal(byKey.progressNotification, 'pndm.progressNotification is "yes", which is not true or false; using the default false.');
});

test("pndm.solverOrder that the chosen sampler does not take falls back to the sampler's default, saying why", () => {
  const values: Record<string, unknown> = { sampler: 'unipc', solverOrder: 4, solverType: 'bh1', epsScale: 1.02, tolerance: 1e-4 };
  const { settings, problems } = normalizeSettings((k) => values[k]);
  assert.deepEqual([settings.solverOrder, settings.solverType, settings.epsScale, settings.tolerance], [0, 'bh1', 1.02, 1e-4]);
  assert.deepEqual(
    problems.map((p) => p.message),
    ["pndm.solverOrder is 4, but UniPC takes 1 to 3 (0: its default 2); using the sampler's default."],
  );
  assert.equal(normalizeSettings((k) => ({ sampler: 'ipndm', solverOrder: 4 })[k as string]).settings.solverOrder, 4);
  assert.deepEqual(normalizeSettings((k) => ({ sampler: 'ddim', solverOrder: 3 })[k as string]).problems, [], 'ignored by DDIM');
});

test('runSettingsOf maps executionProvider to provider', () => {
  assert.deepEqual(runSettingsOf({ ...DEFAULTS, executionProvider: 'cuda' }), {
    sampler: 'f-pndm',
    steps: 50,
    samples: 81,
    seed: 0,
    spacing: 'auto',
    eta: 0,
    variance: 'auto',
    solverOrder: 0,
    solverType: 'bh2',
    epsScale: 1,
    tolerance: 0.001,
    provider: 'cuda',
    preview: 'x0',
  });
});

test('package.json contributes exactly these settings, each with a description, its default and its range or enum', () => {
  const props = manifest.contributes.configuration.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(
    Object.keys(props).sort(),
    Object.keys(RULES)
      .map((k) => `pndm.${k}`)
      .sort(),
  );
  for (const [key, rule] of Object.entries(RULES)) {
    const p = props[`pndm.${key}`];
    assert.ok(typeof p.description === 'string' && p.description.length > 20, `pndm.${key} needs a description`);
    assert.deepEqual(p.default, DEFAULTS[key as keyof ExtensionSettings], `pndm.${key} default`);
    switch (rule.kind) {
      case 'integer':
      case 'number':
        assert.equal(p.type, rule.kind);
        assert.equal(p.minimum, rule.min, `pndm.${key} minimum`);
        assert.equal(p.maximum, rule.max, `pndm.${key} maximum`);
        break;
      case 'enum':
        assert.deepEqual(p.enum, rule.values, `pndm.${key} enum`);
        assert.equal((p.enumDescriptions as string[]).length, rule.values.length);
        break;
      case 'string':
        assert.equal(p.type, 'string');
        break;
      case 'boolean':
        assert.equal(p.type, 'boolean');
    }
    assert.ok(describeRule(rule).length > 0);
  }
});

test('the manifest: commands, menus with the .onnx condition (any case) and diffusers folders, activation by commands, panel and compare-view restore, and diffusers folders', () => {
  const commands = manifest.contributes.commands.map(
    (c: { command: string; category: string; title: string }) => `${c.category}: ${c.title}`,
  );
  assert.deepEqual(commands, [
    'PNDM: Generate Samples',
    'PNDM: Sample from This Model',
    'PNDM: Open Recent Model…',
    'PNDM: Compare Samplers',
    'PNDM: Tune Grid for This Model',
    'PNDM: Open Settings from PNG',
    'PNDM: Generate',
    'PNDM: Cancel Run',
    'PNDM: Save PNG',
  ]);
  const onnx = 'resourceExtname =~ /^\\.onnx$/i';
  for (const menu of ['explorer/context', 'editor/title/context', 'editor/context']) {
    const entries = manifest.contributes.menus[menu];
    assert.deepEqual(entries[0], { ...entries[0], command: 'pndm.sampleFromModel', when: onnx }, menu);
  }
  const when = new RegExp(onnx.slice(onnx.indexOf('/') + 1, onnx.lastIndexOf('/')), 'i');
  for (const name of ['.onnx', '.ONNX', '.Onnx']) assert.match(name, when);
  assert.doesNotMatch('.onnx.json', when);
  assert.equal(manifest.contributes.menus['explorer/context'][1].when, 'explorerResourceIsFolder && resourcePath in pndm.diffusersFolders');
  // a model's context menu also tunes a grid for it (a file in the Explorer and on its tab, a diffusers folder)
  const tuneWhen = (menu: string) =>
    manifest.contributes.menus[menu].filter((e: { command: string }) => e.command === 'pndm.tuneGrid').map((e: { when: string }) => e.when);
  assert.deepEqual(tuneWhen('explorer/context'), [onnx, 'explorerResourceIsFolder && resourcePath in pndm.diffusersFolders']);
  assert.deepEqual(tuneWhen('editor/title/context'), [onnx]);
  assert.deepEqual(manifest.activationEvents, [
    'onWebviewPanel:pndm.samplingPanel',
    'onWebviewPanel:pndm.comparePanel',
    'workspaceContains:**/model_index.json',
    'workspaceContains:**/unet/model.onnx',
  ]);
  assert.equal(manifest.main, './dist/extension.js');
});
