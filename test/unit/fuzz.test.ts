/**
 * The pure half of the webview-message fuzz: thousands of seeded random and malformed messages against
 * validateMessage, the check behind the panel's onDidReceiveMessage. Each answer is compared with an
 * independent oracle (test/support/fuzzMessages.ts). test/integration/fuzz.test.ts sends the same kind
 * of messages through the real panel.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateMessage } from '../../src/extension/validate';
import { describeCase, fuzzCases, oracle, PAYLOAD_FREE, SETTING_KEYS, type FuzzCase } from '../support/fuzzMessages';

const SEED = 20240611;
const COUNT = 5000;

function check(c: FuzzCase, i: number): { valid: boolean; error?: string } {
  const what = describeCase(c, i);
  let v: ReturnType<typeof validateMessage>;
  assert.doesNotThrow(() => (v = validateMessage(c.raw)), what);
  v = v!;
  const expected = oracle(c.raw);
  assert.equal(v.ok, expected.valid, `${what}: ${v.ok ? 'accepted' : `refused (${(v as { error: string }).error})`}`);
  if (v.ok && expected.valid) {
    // exactly the known fields, in fresh plain objects
    assert.deepEqual(v.message, expected.message, what);
    assert.equal(Object.getPrototypeOf(v.message), Object.prototype, what);
    if (v.message.type === 'generate') {
      assert.deepEqual(Object.keys(v.message.settings).sort(), [...SETTING_KEYS].sort(), what);
      assert.notEqual(v.message.settings, (c.raw as { settings: unknown }).settings, `${what}: settings not copied`);
      assert.equal(Object.getPrototypeOf(v.message.settings), Object.prototype, what);
    } else {
      assert.deepEqual(Object.keys(v.message), ['type'], what);
    }
    return { valid: true };
  }
  if (!v.ok) {
    assert.ok(v.error.length > 20 && v.error.length < 400, `${what}: error of ${v.error.length} characters`);
    assert.match(
      v.error,
      /^(A panel message must be an object with a "type", got .+\.|Unknown panel message type .+; expected one of ready, generate, cancel, save, copySettings, browseModel, useBundledModel, recentModels, openCompare, resampleImage, exportAnimation, openHistory, saveHistory, openPng\.|(Re-sample|Export) refused: index .+\.|History request refused: id .+\.|Open PNG refused: .+\.|Generate refused: settings(\.(sampler|steps|samples|seed|spacing|eta|variance|solverOrder|solverType|epsScale|tolerance|provider|preview))? (is|must be) .+\.)$/s,
      what,
    );
    return { valid: false, error: v.error };
  }
  return { valid: v.ok };
}

test(`${COUNT} seeded random and malformed messages: each validated as the oracle says, none throws`, () => {
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  const cases = fuzzCases(SEED, COUNT);
  const outcomes = cases.map(check);
  // nothing leaked into Object.prototype
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeys);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // every kind of input was exercised, and both answers are common
  const byKind = new Map<string, number>();
  for (const c of cases) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
  assert.equal(byKind.size, 11, [...byKind.keys()].join(', '));
  for (const [kind, n] of byKind) assert.ok(n >= 300, `${kind}: only ${n} cases`);
  const accepted = outcomes.filter((o) => o.valid).length;
  assert.ok(accepted > 500 && COUNT - accepted > 3000, `${accepted} accepted of ${COUNT}`);
  for (const type of [...PAYLOAD_FREE, 'generate']) {
    assert.ok(
      cases.some((c) => oracle(c.raw).valid && (c.raw as { type: string }).type === type),
      `no valid ${type} message was generated`,
    );
  }
  // a bad field in an otherwise valid Generate is always refused, naming the field
  for (const [i, c] of cases.entries()) {
    if (c.kind !== 'Generate with a bad field') continue;
    assert.match(outcomes[i].error ?? '', /^Generate refused: settings\.\w+ (is missing|is .+; it must be)/, describeCase(c, i));
  }
});

test('the fuzz is reproducible: the same seed gives the same messages and the same answers', () => {
  const answers = (seed: number) =>
    fuzzCases(seed, 400).map((c) => {
      const v = validateMessage(c.raw);
      return `${c.kind}|${v.ok ? JSON.stringify(v.message) : v.error}`;
    });
  assert.deepEqual(answers(7), answers(7));
  assert.notDeepEqual(answers(7), answers(8));
});

test('regression: a deeply nested array as the message or its type is refused instead of throwing (showValue overflowed)', () => {
  let deep: unknown = 'generate';
  for (let i = 0; i < 200_000; i++) deep = [deep];
  for (const raw of [deep, { type: deep }, { type: 'generate', settings: deep }]) {
    const v = validateMessage(raw);
    assert.equal(v.ok, false);
    if (!v.ok) assert.match(v.error, /\(an unprintable array\)|must be an object/);
  }
});

test('fields inherited through a prototype are not the message: they are refused, not acted on', () => {
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
  assert.match(
    (validateMessage({ type: 'generate', settings: Object.create(settings) }) as { error: string }).error,
    /^Generate refused: settings\.sampler is missing; it must be one of f-pndm/,
  );
  assert.match((validateMessage(Object.create({ type: 'ready' })) as { error: string }).error, /^Unknown panel message type undefined/);
  const viaJson = validateMessage(JSON.parse(`{"type":"generate","settings":{"__proto__":${JSON.stringify(settings)}}}`));
  assert.equal(viaJson.ok, false);
  const valid = validateMessage(JSON.parse(`{"type":"generate","__proto__":{"polluted":1},"settings":${JSON.stringify(settings)}}`));
  assert.deepEqual(valid, { ok: true, message: { type: 'generate', settings } });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
