export * from './alphas';
export * from './methods';
export * from './noise';
export * from './options';
export * from './sample';
export * from './schedule';
export * from './timesteps';
export * from './types';
export { pseudoStep, predictX0 } from './pseudoStep';
