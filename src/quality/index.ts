/** Sample quality: the Fréchet distance in a classifier's feature space (used by `pndm fd` and `pndm eval`). */
export { frechetDistance, gaussianStats, StatsAccumulator, symmetricEigen, sqrtPsd, type GaussianStats } from './frechet';
export { openFeatureNet, type FeatureNet, type FeatureNetOptions } from './features';
export { readImageFolder, readImageNpy, type ImageSet } from './images';
export { parseNpz, readNpz, encodeNpz, writeNpz } from './npz';
export { BUNDLED_FEATURES, readBundledStats, readMeanCovStats, readStatsNpz, statsOfInputs, writeStatsNpz } from './stats';
export { classifierBesideModel, fdBesideModel, fdSuffix, PANEL_FD_MIN_SAMPLES } from './besideModel';
