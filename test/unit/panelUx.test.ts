import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { diffusersFolderOf, isOnnxFile, modelTargetOf } from '../../src/extension/modelTarget';
import { settingsFromPng } from '../../src/extension/pngSettings';
import { MAX_HISTORY, MAX_KEPT_PNG, RunHistory } from '../../src/extension/runHistory';
import { encodeGridPng } from '../../src/runner/png';
import { SOLVER_OPTION_DEFAULTS, type RunSettings } from '../../src/protocol';
import { imageAt, tileOrigin, toGridPixels } from '../../webview/gridLayout';
import { changedSettings } from '../../webview/settingsMerge';

const base: RunSettings = {
  sampler: 'f-pndm',
  steps: 50,
  samples: 81,
  seed: 0,
  spacing: 'leading',
  eta: 0,
  variance: 'auto',
  ...SOLVER_OPTION_DEFAULTS,
  provider: 'auto',
  preview: 'x0',
};

test('a settings change touches only the controls whose setting changed (typed values in the others survive)', () => {
  assert.deepEqual(changedSettings(base, { ...base, provider: 'cpu' }), { provider: 'cpu' });
  assert.deepEqual(changedSettings(base, { ...base, steps: 20, eta: 0.5 }), { steps: 20, eta: 0.5 });
  assert.deepEqual(changedSettings(base, { ...base }), {});
  assert.deepEqual(changedSettings(undefined, base), base, 'with no previous host settings every control is written');
});

test('.onnx in any case is a model file; other extensions are not', () => {
  for (const f of ['/m/a.onnx', '/m/A.ONNX', 'C:\\m\\b.Onnx']) assert.equal(isOnnxFile(f), true, f);
  for (const f of ['/m/a.onnx.json', '/m/onnx', '/m/a.pt']) assert.equal(isOnnxFile(f), false, f);
});

test('a diffusers folder opens its unet/model.onnx; a folder without one is refused with what to do', () => {
  const root = mkdtempSync(join(tmpdir(), 'pndm-diffusers-'));
  const pipe = join(root, 'ddpm-cifar');
  mkdirSync(join(pipe, 'unet'), { recursive: true });
  mkdirSync(join(pipe, 'scheduler'));
  writeFileSync(join(pipe, 'model_index.json'), '{}');
  writeFileSync(join(pipe, 'unet', 'model.onnx'), 'x');
  assert.deepEqual(modelTargetOf(pipe), { ok: true, modelPath: join(pipe, 'unet', 'model.onnx') });
  assert.deepEqual(modelTargetOf(join(pipe, 'unet', 'model.onnx')), { ok: true, modelPath: join(pipe, 'unet', 'model.onnx') });
  assert.equal(diffusersFolderOf(join(pipe, 'model_index.json')), pipe);
  assert.equal(diffusersFolderOf(join(pipe, 'unet', 'model.onnx')), pipe);
  const empty = join(root, 'empty');
  mkdirSync(empty);
  writeFileSync(join(empty, 'model_index.json'), '{}');
  const refused = modelTargetOf(empty);
  assert.equal(refused.ok, false);
  assert.match(!refused.ok ? refused.error : '', /has no unet\/model\.onnx .*: export the UNet to ONNX, or pick an \.onnx file\.$/);
  const missing = modelTargetOf(join(root, 'nope'));
  assert.match(!missing.ok ? missing.error : '', /does not exist: pick an existing \.onnx file or diffusers folder\.$/);
});

test('a click on the grid finds the image under it (9×9 of 32×32 with 2-pixel gaps); gaps and empty places find none', () => {
  const g = { count: 81, width: 9 * 32 + 8 * 2, height: 9 * 32 + 8 * 2 };
  assert.equal(imageAt(g, 0, 0), 0);
  assert.equal(imageAt(g, 31.9, 31.9), 0);
  assert.equal(imageAt(g, 32.5, 10), undefined, 'the gap between image 0 and 1');
  assert.equal(imageAt(g, 34, 0), 1);
  assert.equal(imageAt(g, 303, 303), 80);
  assert.equal(imageAt(g, 5 * 34 + 3, 2 * 34 + 3), 23);
  assert.equal(imageAt(g, 400, 3), undefined);
  const ten = { count: 10, width: 4 * 32 + 3 * 2, height: 3 * 32 + 2 * 2 }; // 4 columns, 3 rows, the last row has 2
  assert.equal(imageAt(ten, 34 + 3, 2 * 34 + 3), 9);
  assert.equal(imageAt(ten, 2 * 34 + 3, 2 * 34 + 3), undefined, 'past the last image');
  assert.deepEqual(tileOrigin(g, 23), { x: 5 * 34, y: 2 * 34, width: 32, height: 32 });
  // a 304-pixel grid drawn 608 pixels wide at (100, 50): client (100 + 2·70, 50 + 2·3) is grid pixel (70, 3), image 2
  const p = toGridPixels(240, 56, { left: 100, top: 50, width: 608, height: 900 }, g);
  assert.deepEqual(p, { x: 70, y: 3 });
  assert.equal(imageAt(g, p.x, p.y), 2);
});

test('the run history keeps the last runs, most recent first, with their PNG; a picture too large is left out', async () => {
  const store = new Map<string, unknown>();
  const memento = {
    get: (key: string) => store.get(key),
    update: async (key: string, value: unknown) => void store.set(key, value),
    keys: () => [...store.keys()],
  } as unknown as import('vscode').Memento;
  const history = new RunHistory(memento);
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  for (let k = 0; k < MAX_HISTORY + 3; k++)
    await history.add({ modelPath: '/m.onnx', settings: { ...base, seed: k }, line: `run ${k}`, png });
  assert.equal(history.entries.length, MAX_HISTORY);
  assert.equal(history.entries[0].line, `run ${MAX_HISTORY + 2}`);
  assert.equal(history.entries.at(-1)!.line, 'run 3');
  const id = history.entries[0].id;
  assert.deepEqual([...history.pngOf(id)!], [...png]);
  const big = await history.add({ modelPath: '/m.onnx', settings: base, line: 'big', png: new Uint8Array(MAX_KEPT_PNG + 1) });
  assert.equal(big.png, undefined);
  assert.equal(history.pngOf(big.id), undefined);
  assert.equal(history.get('nope'), undefined);
  store.set('pndm.history', [{ junk: true }, ...(store.get('pndm.history') as unknown[])]);
  assert.equal(history.entries[0].line, 'big', 'a malformed stored entry is skipped');
  // a run kept before the panel had solver controls opens with their defaults, which it ran with
  const older: Partial<RunSettings> = { ...base, sampler: 'unipc' };
  for (const key of ['solverOrder', 'solverType', 'epsScale', 'tolerance'] as const) delete older[key];
  store.set('pndm.history', [{ id: 'old', time: 1, modelPath: '/m.onnx', settings: older, line: 'old' }]);
  assert.deepEqual(history.get('old')!.settings, {
    ...base,
    sampler: 'unipc',
    solverOrder: 0,
    solverType: 'bh2',
    epsScale: 1,
    tolerance: 0.001,
  });
});

test('a PNG saved by pndm gives back its settings, solver options too (the preview stays); a PNG without a recipe is refused with what to do', () => {
  const recipe = {
    sampler: 'ddim',
    steps: 12,
    samples: 4,
    seed: 77,
    spacing: 'trailing',
    eta: 0.5,
    variance: 'fixed_small',
    tolerance: 0.001,
    ep: 'cpu',
    model: 'm.onnx',
    modelSha256: '0'.repeat(64),
  };
  const png = encodeGridPng(
    new Float32Array(4 * 4),
    4,
    { channels: 1, height: 2, width: 2 },
    { 'pndm.settings': JSON.stringify(recipe), Comment: 'DDIM, 12 steps' },
  );
  const read = settingsFromPng(png, 'x.png', { ...base, preview: 'xt' });
  assert.deepEqual(read, {
    ok: true,
    settings: {
      sampler: 'ddim',
      steps: 12,
      samples: 4,
      seed: 77,
      spacing: 'trailing',
      eta: 0.5,
      variance: 'fixed_small',
      // left out of the recipe: the defaults, whatever the panel had
      solverOrder: 0,
      solverType: 'bh2',
      epsScale: 1,
      tolerance: 0.001,
      provider: 'cpu',
      preview: 'xt',
    },
    model: 'm.onnx',
    line: 'DDIM, 12 steps',
    notInPanel: [],
  });
  const withOptions = { ...base, solverOrder: 2, solverType: 'bh1', epsScale: 0.9, tolerance: 0.01 } as const;
  const ddimRead = settingsFromPng(png, 'x.png', withOptions);
  assert.deepEqual(
    ddimRead.ok && [ddimRead.settings.solverOrder, ddimRead.settings.solverType, ddimRead.settings.epsScale, ddimRead.settings.tolerance],
    [0, 'bh2', 1, 0.001],
  );
  // a CLI recipe's solver options fill the panel's controls; only a grid given by its timesteps has no control
  const cli = encodeGridPng(
    new Float32Array(4 * 4),
    4,
    { channels: 1, height: 2, width: 2 },
    {
      'pndm.settings': JSON.stringify({
        ...recipe,
        sampler: 'unipc',
        spacing: 'tuned',
        solverOrder: 3,
        solverType: 'bh1',
        epsScale: 1.02,
        grid: [900, 500, 100],
      }),
    },
  );
  const cliRead = settingsFromPng(cli, 'cli.png', base);
  assert.ok(cliRead.ok);
  assert.deepEqual(
    [
      cliRead.settings.sampler,
      cliRead.settings.spacing,
      cliRead.settings.solverOrder,
      cliRead.settings.solverType,
      cliRead.settings.epsScale,
    ],
    ['unipc', 'tuned', 3, 'bh1', 1.02],
  );
  assert.deepEqual(cliRead.notInPanel, ['tuned grid 900,500,100 (the panel uses the grid saved for this model)']);
  const pfRead = settingsFromPng(
    encodeGridPng(
      new Float32Array(4),
      1,
      { channels: 1, height: 2, width: 2 },
      { 'pndm.settings': JSON.stringify({ ...recipe, sampler: 'pf', tolerance: 1e-5 }) },
    ),
    'pf.png',
    base,
  );
  assert.deepEqual(pfRead.ok && [pfRead.settings.tolerance, pfRead.notInPanel], [1e-5, []]);
  // an order the recipe's sampler does not take is refused as a Generate would be
  const badOrder = settingsFromPng(
    encodeGridPng(
      new Float32Array(4),
      1,
      { channels: 1, height: 2, width: 2 },
      { 'pndm.settings': JSON.stringify({ ...recipe, sampler: 'unipc', solverOrder: 4 }) },
    ),
    'order.png',
    base,
  );
  assert.equal(
    !badOrder.ok && badOrder.error,
    'order.png: its recipe does not fit the panel: settings.solverOrder is 4; UniPC takes 1 to 3 (0: its default 2).',
  );
  const plain = encodeGridPng(new Float32Array(4), 1, { channels: 1, height: 2, width: 2 });
  const refused = settingsFromPng(plain, 'plain.png', base);
  assert.match(
    !refused.ok ? refused.error : '',
    /^plain\.png: it holds no pndm\.settings text.*Open a PNG saved by pndm sample or the PNDM panel\.$/,
  );
  const bad = encodeGridPng(
    new Float32Array(4),
    1,
    { channels: 1, height: 2, width: 2 },
    { 'pndm.settings': JSON.stringify({ ...recipe, steps: 0 }) },
  );
  const badRead = settingsFromPng(bad, 'bad.png', base);
  assert.match(!badRead.ok ? badRead.error : '', /^bad\.png: its recipe does not fit the panel: settings\.steps is 0/);
});
