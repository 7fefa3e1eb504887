export * from './config.js';
export * from './rng.js';
export * from './simulate.js';
export * from './scenarios.js';
export * from './render.js';
export * from './dataset.js';
export * from './corrupt.js';
