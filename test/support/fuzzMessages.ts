/**
 * Random and malformed panel messages from a seeded generator (mulberry32: the same seed gives the same
 * messages), and an oracle that says, independently of src/extension/validate.ts, which of them the host
 * must accept and what it must make of them. Used by the pure fuzz test (test/unit/fuzz.test.ts) and by
 * the one that drives the real panel (test/integration/fuzz.test.ts). No vscode import.
 */

export type Rng = () => number;

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The protocol as the oracle knows it, written out rather than imported from the code under test.
export const PAYLOAD_FREE = ['ready', 'cancel', 'save', 'copySettings', 'browseModel', 'useBundledModel'] as const;
const SAMPLERS = ['f-pndm', 's-pndm', 'fon', 'plms', 'ddim', 'pf', 'ddpm', 'dpmpp-2m', 'dpmpp-3m', 'unipc', 'ipndm', 'ipndm-v'];
const SPACINGS = ['auto', 'leading', 'trailing', 'linspace', 'karras', 'logsnr', 'tuned'];
const PROVIDERS = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'];
const PREVIEWS = ['x0', 'xt'];
const VARIANCES = ['auto', 'fixed_small', 'fixed_large', 'learned', 'learned_range'];
const SOLVER_TYPES = ['bh1', 'bh2'];
/** The orders each sampler with an order takes besides 0 (its default); the others ignore any 0..4. */
const ORDERS: Record<string, readonly [number, number]> = { unipc: [1, 3], ipndm: [1, 4], 'ipndm-v': [1, 4] };
const isNumber = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const isInt = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const FIELD_OK: Record<string, (v: unknown) => boolean> = {
  sampler: (v) => typeof v === 'string' && SAMPLERS.includes(v),
  steps: (v) => isInt(v, 1, 1000),
  samples: (v) => isInt(v, 1, 1024),
  seed: (v) => isInt(v, -1, 4294967295),
  spacing: (v) => typeof v === 'string' && SPACINGS.includes(v),
  eta: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1,
  variance: (v) => typeof v === 'string' && VARIANCES.includes(v),
  solverOrder: (v) => isInt(v, 0, 4),
  solverType: (v) => typeof v === 'string' && SOLVER_TYPES.includes(v),
  epsScale: (v) => isNumber(v, 0.5, 1.5),
  tolerance: (v) => isNumber(v, 1e-8, 0.5),
  provider: (v) => typeof v === 'string' && PROVIDERS.includes(v),
  preview: (v) => typeof v === 'string' && PREVIEWS.includes(v),
};
export const SETTING_KEYS = Object.keys(FIELD_OK);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o: Record<string, unknown>, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** What the host must make of `raw`: refuse it, or act on exactly this message (only the known fields, own ones). */
export type Expected =
  { readonly valid: false } | { readonly valid: true; readonly message: { type: string; settings?: Record<string, unknown> } };

export function oracle(raw: unknown): Expected {
  if (!isObject(raw) || !has(raw, 'type')) return { valid: false };
  const type = raw.type;
  if (typeof type !== 'string') return { valid: false };
  if ((PAYLOAD_FREE as readonly string[]).includes(type)) return { valid: true, message: { type } };
  if (type !== 'generate' || !has(raw, 'settings')) return { valid: false };
  const s = raw.settings;
  if (!isObject(s)) return { valid: false };
  const settings: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    if (!has(s, key) || !FIELD_OK[key](s[key])) return { valid: false };
    settings[key] = s[key];
  }
  const orders = ORDERS[settings.sampler as string];
  const order = settings.solverOrder as number;
  if (orders && order !== 0 && (order < orders[0] || order > orders[1])) return { valid: false };
  return { valid: true, message: { type, settings } };
}

export interface FuzzCase {
  /** Which generator made it (every kind must be exercised). */
  readonly kind: string;
  readonly raw: unknown;
}

const WEIRD_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  1.5,
  2 ** 31,
  2 ** 32,
  2 ** 53 + 2,
  -(2 ** 53),
  1e308,
  -1e308,
  5e-324,
  NaN,
  Infinity,
  -Infinity,
  4294967295,
  4294967296,
  1000,
  1001,
  1024,
  1025,
];
const WEIRD_STRINGS = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '0x10',
  '50',
  ' 50',
  '1_000',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '<script>alert(1)</script>',
  '../../../etc/passwd',
  '/etc/passwd',
  'C:\\Windows\\win.ini',
  'file:///etc/passwd',
  'https://example.com/model.onnx',
  'F-PNDM',
  'ddim ',
  ' ddim',
  'Generate',
  'GENERATE',
  'generate\u0000',
  'géneráte',
  '\u202egenerate',
  '\ud800',
  'x'.repeat(100_000),
];
const TYPE_NEAR_MISSES = [
  'Ready',
  'READY',
  'ready ',
  'generat',
  'generates',
  'frame',
  'init',
  'error',
  'model',
  'settings',
  'runStarted',
  'cancelled',
  'save\n',
  'copysettings',
  'browse',
  'useBundled',
];
const PATH_FIELDS = ['path', 'modelPath', 'model', 'uri', 'file', 'outputFolder', 'folder', 'fsPath', 'target'];

export class MessageFuzzer {
  private readonly rng: Rng;
  constructor(readonly seed: number) {
    this.rng = mulberry32(seed);
  }

  int(n: number): number {
    return Math.floor(this.rng() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }
  chance(p: number): boolean {
    return this.rng() < p;
  }

  number(): number {
    switch (this.int(4)) {
      case 0:
        return this.pick(WEIRD_NUMBERS);
      case 1:
        return this.int(2000) - 500;
      case 2:
        return (this.rng() - 0.5) * 10 ** this.int(20);
      default:
        return this.rng();
    }
  }

  string(): string {
    if (this.chance(0.5)) return this.pick(WEIRD_STRINGS);
    const length = this.int(this.chance(0.9) ? 20 : 5000);
    let s = '';
    for (let i = 0; i < length; i++) s += String.fromCharCode(this.chance(0.9) ? 32 + this.int(95) : this.int(0x10000));
    return s;
  }

  /** Any JSON-like value, up to `depth` levels of arrays and objects. */
  value(depth = 3): unknown {
    switch (this.int(depth > 0 ? 8 : 5)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.number();
      case 3:
        return this.string();
      case 4:
        return this.chance(0.5) ? undefined : this.pick(SAMPLERS.concat(PAYLOAD_FREE, 'generate'));
      case 5:
        return Array.from({ length: this.int(6) }, () => this.value(depth - 1));
      default:
        return this.object(depth - 1);
    }
  }

  object(depth = 2): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    const n = this.int(6);
    for (let i = 0; i < n; i++) {
      const key = this.chance(0.3) ? this.pick(['type', 'settings', ...SETTING_KEYS, ...PATH_FIELDS]) : this.string().slice(0, 30);
      o[key] = this.value(depth);
    }
    return o;
  }

  /** An object or array nested `depth` levels deep (built without recursion), as the message, its type or its settings. */
  nested(depth: number): unknown {
    let v: unknown = this.chance(0.5) ? 'generate' : 1;
    const arrays = this.chance(0.5);
    for (let i = 0; i < depth; i++) v = arrays ? [v] : { type: 'generate', settings: v };
    switch (this.int(3)) {
      case 0:
        return v;
      case 1:
        return { type: v };
      default:
        return { type: 'generate', settings: v };
    }
  }

  validSettings(): Record<string, unknown> {
    return {
      sampler: this.pick(SAMPLERS),
      steps: this.chance(0.2) ? this.pick([1, 1000]) : 1 + this.int(1000),
      samples: this.chance(0.2) ? this.pick([1, 1024]) : 1 + this.int(1024),
      seed: this.chance(0.2) ? this.pick([-1, 0, 4294967295]) : this.int(2 ** 32),
      spacing: this.pick(SPACINGS),
      eta: this.chance(0.3) ? this.pick([0, 1]) : this.rng(),
      variance: this.pick(VARIANCES),
      // an order the sampler does not take (UniPC's 4) is for the oracle to refuse
      solverOrder: this.int(5),
      solverType: this.pick(SOLVER_TYPES),
      epsScale: this.chance(0.3) ? this.pick([0.5, 1, 1.5]) : 0.5 + this.rng(),
      tolerance: this.chance(0.3) ? this.pick([1e-8, 1e-3, 0.5]) : 1e-8 + 0.4 * this.rng(),
      provider: this.pick(PROVIDERS),
      preview: this.pick(PREVIEWS),
    };
  }

  /** A value `key` must not take: the wrong type, out of range, not an integer, a near-miss of an enum value… */
  badValue(key: string): unknown {
    for (;;) {
      const v = this.chance(0.5)
        ? this.pick<unknown>([
            null,
            undefined,
            true,
            [],
            {},
            '1',
            'NaN',
            NaN,
            Infinity,
            -Infinity,
            0,
            -2,
            1.5,
            1001,
            1025,
            4294967296,
            2 ** 53 + 2,
            -1e308,
            'F-PNDM',
            ' ddim',
            'euler',
            'tpu',
            'x1',
            'fixed_small_log',
            [1],
            { valueOf: 5 },
          ])
        : this.value(1);
      if (!FIELD_OK[key](v)) return v;
    }
  }

  /** Extra fields a valid message may carry and the host must ignore (paths included). */
  withJunk(message: Record<string, unknown>): Record<string, unknown> {
    const out = { ...message };
    const n = this.int(4);
    for (let i = 0; i < n; i++) out[this.chance(0.6) ? this.pick(PATH_FIELDS) : this.string().slice(0, 20) || 'x'] = this.value(1);
    return out;
  }

  /** One case of a randomly chosen kind. */
  next(): FuzzCase {
    const kinds: [string, () => unknown][] = [
      ['random JSON value', () => this.value(3)],
      [
        'object without type',
        () => {
          const o = this.object(2);
          delete o.type;
          return o;
        },
      ],
      ['unknown type', () => ({ ...this.object(1), type: this.chance(0.5) ? this.pick(TYPE_NEAR_MISSES) : this.string() })],
      [
        'type of the wrong kind',
        () => ({ type: this.pick<unknown>([null, 1, true, ['generate'], { toString: 'generate' }, { valueOf: 'ready' }, NaN]) }),
      ],
      ['prototype-pollution keys', () => this.pollution()],
      ['deeply nested', () => this.nested(this.chance(0.5) ? 10 + this.int(100) : 20_000 + this.int(180_000))],
      [
        'long strings and huge arrays',
        () =>
          this.chance(0.5)
            ? { type: 'x'.repeat(1 + this.int(200_000)), settings: 'y'.repeat(this.int(100_000)) }
            : { type: 'generate', settings: new Array(10_000 + this.int(100_000)).fill(this.int(10)) },
      ],
      [
        'Generate with a bad field',
        () => {
          const settings = this.validSettings();
          const key = this.pick(SETTING_KEYS);
          if (this.chance(0.25)) delete settings[key];
          else settings[key] = this.badValue(key);
          return this.withJunk({ type: 'generate', settings });
        },
      ],
      ['Generate with bad settings', () => ({ type: 'generate', ...(this.chance(0.8) ? { settings: this.value(1) } : {}) })],
      ['valid Generate', () => this.withJunk({ type: 'generate', settings: this.withJunk(this.validSettings()) })],
      ['valid payload-free message', () => this.withJunk({ type: this.pick(PAYLOAD_FREE) })],
    ];
    const [kind, make] = this.pick(kinds);
    return { kind, raw: make() };
  }

  private pollution(): unknown {
    const settings = this.validSettings();
    switch (this.int(6)) {
      case 0: // JSON.parse makes "__proto__" an own key, as a message arriving from the webview would have it
        return JSON.parse(`{"type":"generate","__proto__":{"polluted":true},"settings":${JSON.stringify(settings)}}`);
      case 1:
        return JSON.parse(`{"type":"generate","settings":{"__proto__":${JSON.stringify(settings)}}}`);
      case 2:
        return JSON.parse(`{"type":"ready","constructor":{"prototype":{"polluted":true}}}`);
      case 3: // settings inherited through the prototype chain: not the message's own fields
        return { type: 'generate', settings: Object.create(settings) };
      case 4: // the type itself inherited
        return Object.create({ type: this.pick(PAYLOAD_FREE) });
      default:
        return JSON.parse(`{"__proto__":{"type":"generate","settings":${JSON.stringify(settings)}}}`);
    }
  }
}

/** `count` cases from `seed`. */
export function fuzzCases(seed: number, count: number): FuzzCase[] {
  const fuzzer = new MessageFuzzer(seed);
  return Array.from({ length: count }, () => fuzzer.next());
}

/** A short, stable description of a case for assertion messages (never the whole of a huge value). */
export function describeCase(c: FuzzCase, index: number): string {
  let text: string;
  try {
    text = JSON.stringify(c.raw) ?? String(c.raw);
  } catch {
    text = '(unprintable)';
  }
  return `#${index} ${c.kind}: ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}
