/**
 * `npm run bench`: the bundled model at batch 16, F-PNDM / S-PNDM / DDIM at 10, 20 and 50 steps, all in
 * one run. Per row: model calls, wall time, time inside session.run and their ratio (goal ≤ 1.03: the
 * sampler's own arithmetic and bookkeeping cost at most 3% on top of the network).
 * `--json FILE` also writes the rows; `--batch B`, `--steps 10,20` and `--samplers a,b` narrow the run;
 * `--ep cpu,webgpu` gives rows per execution provider (default cpu; one that falls back is skipped).
 * Tensors cross to the device and back on every call whatever the provider: the sampler's update of
 * x_t between calls runs on the CPU, and ε is needed there, so onnxruntime's I/O binding / output
 * location could only move the same copy elsewhere — the wall/model ratio per provider shows what the
 * rest costs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openOnnxModel, PROVIDER_CHOICES, type ProviderChoice } from '../src/model';
import { runJob } from '../src/runner/runJob';
import { DEFAULT_SETTINGS, resolveSampler } from '../src/sampler';

interface Row {
  provider: string;
  sampler: string;
  steps: number;
  batch: number;
  nfe: number;
  wall_ms: number;
  model_ms: number;
  ratio: number;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const batch = Number(option('batch') ?? 16);
  const stepCounts = (option('steps') ?? '10,20,50').split(',').map(Number);
  const samplers = (option('samplers') ?? 'f-pndm,s-pndm,ddim').split(',').map(resolveSampler);
  const providers = (option('ep') ?? 'cpu').split(',') as ProviderChoice[];
  const unknown = providers.find((p) => !(PROVIDER_CHOICES as readonly string[]).includes(p));
  if (unknown) throw new Error(`--ep ${unknown}: use one of ${PROVIDER_CHOICES.join(', ')}`);
  const rows: Row[] = [];
  const used: string[] = [];
  console.log(`bundled MNIST model, batch ${batch}`);
  console.log('provider  sampler  steps  batch  nfe   wall_ms   model_ms  ratio');
  for (const provider of providers) {
    const model = await openOnnxModel(join(__dirname, '..', '..', 'models', 'mnist_ddpm.onnx'), { provider, timingBatch: batch });
    try {
      if (provider !== 'auto' && model.info.provider !== provider) {
        console.log(`${provider.padEnd(8)}  skipped: ${model.info.providerMessages[0] ?? 'fell back to CPU'}`);
        continue;
      }
      used.push(model.info.provider);
      const jobModel = {
        eps: model.eps.bind(model),
        imageShape: model.info.imageShape,
        schedule: model.info.schedule,
        modelMs: () => model.modelMs,
        provider: model.info.provider,
      };
      // warm-up: the first session.run pays for memory planning (and shader compilation on a GPU)
      await runJob(jobModel, { settings: { ...DEFAULT_SETTINGS, sampler: 'ddim', steps: 2 }, samples: batch, seed: 1 });
      for (const sampler of samplers) {
        for (const steps of stepCounts) {
          const r = await runJob(jobModel, { settings: { ...DEFAULT_SETTINGS, sampler, steps }, samples: batch, seed: 0 });
          const row = {
            provider: r.provider,
            sampler,
            steps,
            batch,
            nfe: r.nfe,
            wall_ms: round(r.wallMs),
            model_ms: round(r.modelMs),
            ratio: round(r.wallMs / r.modelMs, 4),
          };
          rows.push(row);
          console.log(
            `${row.provider.padEnd(8)}  ${sampler.padEnd(8)} ${String(steps).padStart(5)}  ${String(batch).padStart(5)}  ${String(r.nfe).padStart(3)}  ${row.wall_ms.toFixed(1).padStart(8)}  ${row.model_ms.toFixed(1).padStart(9)}  ${row.ratio.toFixed(4)}`,
          );
        }
      }
    } finally {
      await model.dispose();
    }
  }
  if (!rows.length) throw new Error(`none of ${providers.join(', ')} loads here`);
  const worst = Math.max(...rows.map((r) => r.ratio));
  console.log(`worst wall/model ratio ${worst.toFixed(4)} (goal ≤ 1.03): ${worst <= 1.03 ? 'met' : 'NOT met'}`);
  const json = option('json');
  if (json) {
    writeFileSync(json, `${JSON.stringify({ model: 'models/mnist_ddpm.onnx', providers: used, batch, rows }, null, 2)}\n`);
    console.log(`wrote ${json}`);
  }
}

function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

main().catch((error) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
