/**
 * `npm run measure:samplers`: issue 7's sampler figures on the bundled model, printed as a table.
 * - DDPM's background spread (std of the pixels below 0) at 10 and 50 steps, fixed_small and fixed_large,
 *   against DDIM-50 from the same 16 seeded x_T (goal: within 1.1× of DDIM-50).
 * - The probability-flow ODE from the reference noise at --steps 1, 10, 50: RMS from DDIM-1000 (goal ≤ 0.01).
 * `--json FILE` also writes the rows; `--samples K` changes the 16.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../src/io';
import { openOnnxModel } from '../src/model';
import {
  DEFAULT_SETTINGS,
  initialNoise,
  makeSchedule,
  sample,
  SeededNoise,
  type SamplingSettings,
  type VarianceType,
} from '../src/sampler';
import { backgroundSpread, rmsDiff } from './samplerFigures';

interface Row {
  what: string;
  value: number;
  goal: string;
  nfe: number;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const root = join(__dirname, '..', '..');
  const reference = (name: string) => join(root, 'test', 'fixtures', 'reference', name);
  const images = Number(option('samples') ?? 16);
  const model = await openOnnxModel(join(root, 'models', 'mnist_ddpm.onnx'), { provider: 'cpu' });
  const schedule = makeSchedule(model.info.schedule);
  const { channels, height, width } = model.info.imageShape;
  const rows: Row[] = [];
  const run = async (xT: Float32Array, count: number, settings: Partial<SamplingSettings>, seed = 0) =>
    sample(model, schedule, xT, count, { ...DEFAULT_SETTINGS, ...settings }, { noise: new SeededNoise(seed) });
  try {
    const seeded = () => initialNoise(new SeededNoise(0), images, channels * height * width);
    const ddim = await run(seeded(), images, { sampler: 'ddim', steps: 50 });
    const ddim50 = backgroundSpread(ddim.x);
    rows.push({ what: `DDIM-50 background spread (${images} images)`, value: ddim50, goal: '', nfe: ddim.nfe });
    for (const variance of ['fixed_small', 'fixed_large'] as VarianceType[]) {
      for (const steps of [10, 50]) {
        // x_T from the seed's first draws, later draws continue the same streams (as runJob does)
        const noise = new SeededNoise(0);
        const xT = initialNoise(noise, images, channels * height * width);
        const r = await sample(
          model,
          schedule,
          xT,
          images,
          { ...DEFAULT_SETTINGS, sampler: 'ddpm', steps, options: { ...DEFAULT_SETTINGS.options, variance } },
          { noise },
        );
        rows.push({
          what: `DDPM-${steps} ${variance} background spread`,
          value: backgroundSpread(r.x),
          goal: `≤ ${(1.1 * ddim50).toFixed(4)}`,
          nfe: r.nfe,
        });
      }
    }
    const noise = (await readNpy(reference('noise.npy'))).data as Float32Array;
    const ddim1000 = (await readNpy(reference('DDIM_1000.npy'))).data as Float32Array;
    for (const steps of [1, 10, 50]) {
      const r = await run(noise, 4, { sampler: 'pf', steps });
      rows.push({
        what: `pf --steps ${steps}: RMS from DDIM-1000 (reference noise)`,
        value: rmsDiff(r.x, ddim1000),
        goal: '≤ 0.01',
        nfe: r.nfe,
      });
    }
  } finally {
    await model.dispose();
  }
  process.stdout.write('| what | value | goal | model calls |\n| --- | --- | --- | --- |\n');
  for (const r of rows) process.stdout.write(`| ${r.what} | ${r.value.toFixed(4)} | ${r.goal} | ${r.nfe} |\n`);
  const json = option('json');
  if (json) writeFileSync(json, `${JSON.stringify(rows, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
