/**
 * `npm run gpu-check`: for a machine with a GPU (and no network): runs the bundled model on every
 * execution provider that loads here, compares each with the CPU on the reference noise (DDIM, 10
 * steps, 4 images: the max |difference| of the final samples), and times one model call at batch 1, 16
 * and 81 (after a warm-up call at that batch). Prints a table; never downloads anything. A provider
 * that does not load is listed with the reason. The whole check stops timing new rows after
 * `--budget` seconds (default 170: a batch whose two calls would end past it is skipped), so it ends within 3 minutes even on a slow (software) adapter.
 * `--json FILE` also writes the rows, `--markdown` prints the table as Markdown for the README.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSoftwareAdapter } from '../src/model/autoProvider';
import { readNpy } from '../src/io';
import { openOnnxModel, type OnnxEpsModel, type ProviderName } from '../src/model';
import { runJob } from '../src/runner/runJob';
import { DEFAULT_SETTINGS } from '../src/sampler';

const PROVIDERS: ProviderName[] = ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'];
const BATCHES = [1, 16, 81];

interface Row {
  provider: ProviderName;
  status: string;
  maxAbsDiff?: number;
  message?: string;
  msPerCall: Record<string, number | null>;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const root = join(__dirname, '..', '..');
const started = performance.now();
const budgetMs = Number(option('budget') ?? 170) * 1000;

async function ddim10(model: OnnxEpsModel, noise: Float32Array, count: number): Promise<Float32Array> {
  const job = {
    eps: model.eps.bind(model),
    imageShape: model.info.imageShape,
    schedule: model.info.schedule,
    modelMs: () => model.modelMs,
    provider: model.info.provider,
  };
  const r = await runJob(job, { settings: { ...DEFAULT_SETTINGS, sampler: 'ddim', steps: 10 }, samples: count, seed: 0, noise });
  return r.x;
}

async function msPerCall(model: OnnxEpsModel, batch: number): Promise<number> {
  const { channels: C, height: H, width: W } = model.info.imageShape;
  const x = Float32Array.from({ length: batch * C * H * W }, (_, i) => Math.sin(i * 0.7));
  await model.eps(x, 500); // warm-up: memory planning, shader compilation
  const t0 = performance.now();
  await model.eps(x, 500);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const modelPath = join(root, 'models', 'mnist_ddpm.onnx');
  const noiseFile = await readNpy(join(root, 'test', 'fixtures', 'reference', 'noise.npy'));
  const noise = Float32Array.from(noiseFile.data as Float32Array);
  const count = noiseFile.shape[0];
  const rows: Row[] = [];
  let cpuSamples: Float32Array | undefined;
  for (const provider of PROVIDERS) {
    const model = await openOnnxModel(modelPath, { provider, choiceCachePath: null });
    try {
      if (model.info.provider !== provider) {
        const why = model.info.providerMessages[0] ?? '';
        // the table gets the cause; the JSON keeps the whole message with what to do
        const cause = /could not be used \((.*)\); running on CPU/.exec(why)?.[1] ?? 'fell back to CPU';
        rows.push({ provider, status: `not available (${cause})`, message: why, msPerCall: {} });
        continue;
      }
      const samples = await ddim10(model, noise, count);
      if (provider === 'cpu') cpuSamples = samples;
      let diff = 0;
      for (let i = 0; i < samples.length; i++) diff = Math.max(diff, Math.abs(samples[i] - cpuSamples![i]));
      const times: Record<string, number | null> = {};
      let last = { batch: count, ms: model.modelMs / Math.max(1, model.runs) };
      for (const batch of BATCHES) {
        // a warm-up and a timed call: about twice the last call, scaled to this batch
        const projected = 2 * last.ms * Math.max(1, batch / last.batch);
        if (performance.now() - started + projected > budgetMs) {
          times[batch] = null;
          continue;
        }
        times[batch] = await msPerCall(model, batch);
        last = { batch, ms: times[batch]! };
      }
      const fellBack = model.info.provider !== provider;
      rows.push({
        provider,
        status: fellBack
          ? `failed while running, fell back to CPU: ${model.info.providerMessages.at(-1)}`
          : isSoftwareAdapter(provider)
            ? 'ok (software adapter)'
            : 'ok',
        maxAbsDiff: diff,
        msPerCall: times,
      });
    } finally {
      await model.dispose();
    }
  }
  print(rows);
  const json = option('json');
  if (json) writeFileSync(json, `${JSON.stringify({ model: modelPath, batches: BATCHES, rows }, null, 2)}\n`);
  console.log(`gpu-check took ${((performance.now() - started) / 1000).toFixed(0)} s${json ? `; wrote ${json}` : ''}`);
}

function print(rows: Row[]): void {
  const ms = (v: number | null | undefined) => (v === undefined ? '–' : v === null ? 'skipped (time budget)' : v.toFixed(1));
  const cells = rows.map((r) => [
    r.provider,
    r.maxAbsDiff === undefined ? '–' : r.maxAbsDiff.toExponential(1),
    ...BATCHES.map((b) => ms(r.msPerCall[b])),
    r.status,
  ]);
  const head = ['provider', 'max abs diff vs cpu', ...BATCHES.map((b) => `ms/call @${b}`), 'status'];
  if (process.argv.includes('--markdown')) {
    console.log(`| ${head.join(' | ')} |\n|${head.map(() => ' --- ').join('|')}|`);
    for (const c of cells) console.log(`| ${c.join(' | ')} |`);
    return;
  }
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (i === head.length - 1 ? 0 : c[i].length))));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]))).join('  ');
  console.log(line(head));
  for (const c of cells) console.log(line(c));
}

main().catch((error) => {
  console.error(`gpu-check: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
