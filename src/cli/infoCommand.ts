/** `pndm info PATH`: what the adapter detected in a model, as a reader would want it listed. */
import { openOnnxModel, PROVIDER_CHOICES, type ModelInfo } from '../model';
import { formatFlags, HELP_FLAG, parseFlags, UsageError, type FlagSpec } from './args';

const INFO_FLAGS: Readonly<Record<string, FlagSpec>> = {
  ep: { kind: 'string', help: 'execution provider', choices: PROVIDER_CHOICES },
  json: { kind: 'boolean', help: 'print the detected facts as JSON' },
  help: HELP_FLAG,
};

export const INFO_USAGE = `usage: pndm info MODEL.onnx [options]   what the adapter detects in a model

options:
${formatFlags(INFO_FLAGS)}
`;

export async function infoCommand(argv: readonly string[]): Promise<void> {
  const { flags, positional } = parseFlags(argv, INFO_FLAGS);
  if (positional.length !== 1) throw new UsageError('pndm info takes one model path: pndm info model.onnx');
  // auto: the choice and its speed-ups as a run at the panel's default 81 samples would measure them
  const model = await openOnnxModel(positional[0], {
    provider: (flags.ep as (typeof PROVIDER_CHOICES)[number]) ?? 'auto',
    timingBatch: 81,
  });
  try {
    process.stdout.write(flags.json ? `${JSON.stringify(model.info, null, 2)}\n` : describeModel(model.info));
  } finally {
    await model.dispose();
  }
}

export function describeModel(info: ModelInfo): string {
  const { channels, height, width } = info.imageShape;
  const s = info.schedule;
  const betas = s.trainedBetas ? `trained betas (${s.trainedBetas.length})` : `${s.betaSchedule} β ${s.betaStart}..${s.betaEnd}`;
  const tensor = (t: { name: string; dtype: string; shape: readonly (number | string)[] }) =>
    `${t.name} ${t.dtype} [${t.shape.join(', ')}]`;
  const lines = [
    `model        ${info.path}`,
    `inputs       ${info.inputs.map(tensor).join('; ')}`,
    `outputs      ${info.outputs.map(tensor).join('; ')}`,
    `image        ${info.imageInput}: ${channels}×${height}×${width}${info.fixedBatch ? `, batch fixed at ${info.fixedBatch}` : ', any batch'}`,
    `timestep     ${info.timestepInput}: ${info.timestepDtype} (${info.timestepLayout})`,
    `prediction   ${info.predictionType}${info.outputChannels === 2 * channels ? ' (learned variance: ε is the first half of the output, the variance the second)' : ''}`,
    `schedule     T = ${s.numTrainTimesteps}, ${betas} (from ${info.scheduleSource}${info.scheduleSource === 'scheduler_config' ? `: ${info.schedulerConfigPath}` : ''})`,
    `spacing      ${info.timestepSpacing ?? 'leading (default)'}; final ᾱ ${info.setAlphaToOne === false ? 'ᾱ[0]' : '1'}; steps offset ${info.stepsOffset ?? 0}`,
    `ddpm         variance ${info.varianceType ?? 'fixed_small (default)'}; ddim, ddpm: x̂₀ ${info.clipSample === undefined ? 'not clipped' : `clipped to ±${info.clipSample} (clip_sample)`}`,
    `provider     ${info.provider} (asked for ${info.requestedProvider}${info.providerChoice ? `; ${info.providerChoice}` : ''})`,
    ...(info.producer ? [`producer     ${info.producer}${info.opset ? `, opset ${info.opset}` : ''}`] : []),
    ...info.warnings.map((w) => `warning      ${w}`),
    ...info.providerMessages.map((m) => `note         ${m}`),
  ];
  return `${lines.join('\n')}\n`;
}
