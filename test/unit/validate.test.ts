import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateMessage, validateRunSettings } from '../../src/extension/validate';
import { SOLVER_OPTION_DEFAULTS, MessageType, type RunSettings } from '../../src/protocol';
import { SAMPLER_NAMES } from '../../src/sampler';

const good: RunSettings = {
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
const generateMessage = (settings: unknown) => ({ type: 'generate', settings });
const generate = (settings: unknown) => validateMessage(generateMessage(settings));
const refused = (raw: unknown, pattern: RegExp) => {
  const v = validateMessage(raw);
  assert.equal(v.ok, false, `expected ${JSON.stringify(raw)} to be refused`);
  if (!v.ok) assert.match(v.error, pattern);
};

test('every payload-free message type is accepted and copied without extra fields', () => {
  for (const type of ['ready', 'cancel', 'save', 'copySettings', 'browseModel', 'useBundledModel']) {
    const v = validateMessage({ type, extra: 1, __proto__x: 'y' });
    assert.deepEqual(v, { ok: true, message: { type } });
  }
});

test('a valid Generate is accepted, and the settings come back as a fresh object with only known keys', () => {
  const input = { ...good, extra: 'ignored', sampler: 'ddim', eta: 0.5 };
  const v = generate(input);
  assert.equal(v.ok, true);
  if (v.ok && v.message.type === MessageType.Generate) {
    assert.deepEqual(v.message.settings, { ...good, sampler: 'ddim', eta: 0.5 });
    assert.notEqual(v.message.settings, input);
    assert.equal('extra' in v.message.settings, false);
  } else assert.fail('not a Generate');
  assert.equal(validateMessage({ type: 'generate', settings: good, more: [1, 2] }).ok, true);
});

test('non-objects are refused', () => {
  for (const raw of [null, undefined, 42, 'generate', true, [], [{ type: 'ready' }], () => 1]) refused(raw, /must be an object/);
});

test('missing, non-string and unknown types are refused, naming the valid types', () => {
  refused({}, /Unknown panel message type undefined/);
  refused({ type: 7 }, /Unknown panel message type 7/);
  refused({ type: 'Generate' }, /expected one of ready, generate/);
  refused({ type: 'frame' }, /Unknown panel message type "frame"/); // a to-webview type is not accepted from it
  refused({ type: 'init' }, /Unknown/);
  refused({ type: 'toString' }, /Unknown/);
  refused({ type: '__proto__' }, /Unknown/);
});

test('Generate without settings, or with settings that are not an object, is refused', () => {
  refused({ type: 'generate' }, /settings must be an object, got undefined/);
  refused({ type: 'generate', settings: null }, /settings must be an object/);
  refused({ type: 'generate', settings: [good] }, /settings must be an object/);
  refused({ type: 'generate', settings: JSON.stringify(good) }, /settings must be an object/);
});

test('every missing field is named', () => {
  for (const key of Object.keys(good)) {
    const s: Record<string, unknown> = { ...good };
    delete s[key];
    refused({ type: 'generate', settings: s }, new RegExp(`settings\\.${key} is missing`));
  }
});

test('steps, samples and seed must be integers in range', () => {
  const cases: [keyof RunSettings, unknown, RegExp][] = [
    ['steps', 0, /settings\.steps is 0; it must be an integer from 1 to 1000/],
    ['steps', 1001, /from 1 to 1000/],
    ['steps', 2.5, /settings\.steps is 2\.5/],
    ['steps', '50', /settings\.steps is "50"/],
    ['steps', NaN, /settings\.steps/],
    ['steps', Infinity, /settings\.steps/],
    ['steps', null, /settings\.steps is null/],
    ['samples', 0, /from 1 to 1024/],
    ['samples', 1025, /from 1 to 1024/],
    ['samples', -3, /settings\.samples/],
    ['samples', true, /settings\.samples is true/],
    ['seed', -2, /from -1 to 4294967295/],
    ['seed', 4294967296, /from -1 to 4294967295/],
    ['seed', 0.5, /settings\.seed/],
    ['seed', '7', /settings\.seed/],
  ];
  for (const [key, value, pattern] of cases) refused({ type: 'generate', settings: { ...good, [key]: value } }, pattern);
});

test('boundaries are accepted', () => {
  for (const patch of [
    { steps: 1 },
    { steps: 1000 },
    { samples: 1 },
    { samples: 1024 },
    { seed: -1 },
    { seed: 4294967295 },
    { eta: 0 },
    { eta: 1 },
  ]) {
    assert.equal(generate({ ...good, ...patch }).ok, true, JSON.stringify(patch));
  }
});

test('eta must be a finite number in [0, 1]', () => {
  for (const eta of [-0.01, 1.01, NaN, Infinity, '0.5', null, {}]) {
    refused({ type: 'generate', settings: { ...good, eta } }, /settings\.eta .*a number from 0 to 1/);
  }
});

test('enum fields accept exactly their values', () => {
  for (const sampler of SAMPLER_NAMES) assert.equal(generate({ ...good, sampler }).ok, true, sampler);
  refused({ type: 'generate', settings: { ...good, sampler: 'pndm' } }, /settings\.sampler is "pndm"; it must be one of f-pndm, s-pndm/);
  refused({ type: 'generate', settings: { ...good, sampler: 'F-PNDM' } }, /settings\.sampler/);
  refused({ type: 'generate', settings: { ...good, spacing: 'uniform' } }, /one of auto, leading, trailing, linspace/);
  refused({ type: 'generate', settings: { ...good, provider: 'tensorrt' } }, /one of auto, cpu, cuda, dml, coreml, webgpu/);
  refused({ type: 'generate', settings: { ...good, preview: 'x0 ' } }, /one of x0, xt/);
  for (const variance of ['auto', 'fixed_small', 'fixed_large', 'learned', 'learned_range']) {
    assert.equal(generate({ ...good, variance }).ok, true, variance);
  }
  refused(
    { type: 'generate', settings: { ...good, variance: 'fixed_small_log' } },
    /settings\.variance .*one of auto, fixed_small, fixed_large, learned, learned_range/,
  );
  refused({ type: 'generate', settings: { ...good, provider: 3 } }, /settings\.provider is 3/);
});

test('the first problem is reported with the message type, and long values are shortened', () => {
  const v = generate({ ...good, sampler: 'x'.repeat(500) });
  assert.equal(v.ok, false);
  if (!v.ok) {
    assert.match(v.error, /^Generate refused: settings\.sampler is "x+\.\.\.; it must be one of/);
    const quoted = /"(x+)\.\.\./.exec(v.error)?.[1] ?? '';
    assert.ok(quoted.length >= 20 && quoted.length <= 80, `the 500-character value shown as ${quoted.length}`);
  }
});

test('validateRunSettings accepts exactly the RunSettings keys', () => {
  const v = validateRunSettings({ ...good, provider: 'cpu', preview: 'xt' });
  assert.deepEqual(v, { ok: true, settings: { ...good, provider: 'cpu', preview: 'xt' } });
});

test('the solver options: an order the sampler does not take, a B(h) or ε scale out of range, are refused saying what fits', () => {
  refused(
    generateMessage({ ...good, sampler: 'unipc', solverOrder: 4 }),
    /^Generate refused: settings\.solverOrder is 4; UniPC takes 1 to 3 \(0: its default 2\)\.$/,
  );
  refused(generateMessage({ ...good, sampler: 'ipndm', solverOrder: 5 }), /settings\.solverOrder is 5; it must be an integer from 0 to 4/);
  refused(generateMessage({ ...good, solverOrder: 2.5 }), /solverOrder is 2\.5; it must be an integer/);
  refused(generateMessage({ ...good, solverType: 'bh3' }), /settings\.solverType is "bh3"; it must be one of bh1, bh2/);
  refused(generateMessage({ ...good, epsScale: 2 }), /settings\.epsScale is 2; it must be a number from 0\.5 to 1\.5/);
  refused(generateMessage({ ...good, tolerance: 0 }), /settings\.tolerance is 0; it must be a number from 1e-8 to 0\.5/);
  const withoutScale: Record<string, unknown> = { ...good };
  delete withoutScale.epsScale;
  refused(generateMessage(withoutScale), /settings\.epsScale is missing/);
  // every order a sampler takes is accepted, and any order on a sampler that has none (it is ignored there)
  for (const [sampler, orders] of [
    ['unipc', [0, 1, 2, 3]],
    ['ipndm', [0, 1, 2, 3, 4]],
    ['ipndm-v', [0, 4]],
    ['ddim', [0, 3, 4]],
  ] as const) {
    for (const solverOrder of orders) assert.equal(generate({ ...good, sampler, solverOrder }).ok, true, `${sampler} order ${solverOrder}`);
  }
});
