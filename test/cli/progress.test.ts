import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPerNfe, samplingProgress } from '../../src/cli/progress.js';

test('the progress bar states time per NFE in ms below a second and in s above; off the terminal it is silent', () => {
  assert.equal(formatPerNfe(84.6), '85 ms');
  assert.equal(formatPerNfe(999.4), '999 ms');
  assert.equal(formatPerNfe(4812), '4.81 s');
  const silent = samplingProgress(10, 'x', false);
  assert.doesNotThrow(() => {
    silent.observe({ step: 0, totalSteps: 1, sigma: 1, sigmaNext: 0, timestep: 999, nfe: 1, x: new Float32Array(1), x0: new Float32Array(1), certain: null, uncertainFraction: null, innerIterations: 0 });
    silent.finish();
  });
});
