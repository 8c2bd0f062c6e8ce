import type { EpsModel } from './types';

/**
 * ε scaling: every ε the model returns is multiplied by `scale` before any method sees it (a learned
 * variance passes unchanged). Ning et al., "Elucidating the Exposure Bias in Diffusion Models" (ICLR
 * 2024), divide ε by λ slightly above 1; on the bundled MNIST model the other direction lowers the
 * Fréchet distance (README, "Quality per model call"). The samples then leave the model's own ODE
 * solution by design, so `pndm eval` scores them against the unscaled reference.
 */
export function scaledEpsModel(model: EpsModel, scale: number): EpsModel {
  const times = (eps: Float32Array) => Float32Array.from(eps, (v) => v * scale);
  return {
    eps: async (x, t) => times(await model.eps(x, t)),
    ...(model.epsWithVariance
      ? {
          epsWithVariance: async (x: Float32Array, t: number) => {
            const out = await model.epsWithVariance!(x, t);
            return { eps: times(out.eps), variance: out.variance };
          },
        }
      : {}),
  };
}
