import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { formatPerNfe, samplingProgress, terminalBar } from '../../src/io/progress.js';
import type { StepReport } from '../../src/core/sample.js';

const report = (step: number, nfe: number): StepReport => ({
  step,
  totalSteps: 4,
  sigma: 1,
  sigmaNext: 0,
  timestep: 999,
  nfe,
  x: new Float32Array(1),
  x0: new Float32Array(1),
  certain: null,
  uncertainFraction: null,
  innerIterations: 0,
});

/** A stream that collects what a bar draws on it. */
function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

test('the progress bar states time per NFE in ms below a second and in s above; off the terminal it is silent', () => {
  assert.equal(formatPerNfe(84.6), '85 ms');
  assert.equal(formatPerNfe(999.4), '999 ms');
  assert.equal(formatPerNfe(4812), '4.81 s');
  const { stream, text } = capture();
  const silent = samplingProgress(10, 'x', false, stream);
  silent.observe(report(0, 1));
  silent.finish();
  assert.equal(text(), '');
});

test('a sampling bar draws its label, the NFE count and the step it last saw', () => {
  const { stream, text } = capture();
  const bar = samplingProgress(8, '2 samples', true, stream);
  bar.observe(report(2, 3), 4);
  bar.finish();
  const lines = text().split('\n').filter((l) => l !== '');
  assert.match(lines[0], /^2 samples \S+ 0% \| NFE 0\/8 \| -\/NFE \| step - \| ETA/);
  assert.match(lines[lines.length - 1], /^2 samples \S+ 100% \| NFE 8\/8 \| \d+ ms\/NFE \| step 3\/4 \| ETA/);
});

test('a bar starts at work already done and carries its payload', () => {
  const { stream, text } = capture();
  const bar = terminalBar({ format: 'bench {value}/{total} jobs {jobs}/{totalJobs}', total: 40, start: 10, payload: { jobs: 1, totalJobs: 4 }, etaBuffer: 10, stream });
  bar.update(40, { jobs: 4, totalJobs: 4 });
  bar.stop();
  const lines = text().split('\n').filter((l) => l !== '');
  assert.deepEqual([lines[0], lines[lines.length - 1]], ['bench 10/40 jobs 1/4', 'bench 40/40 jobs 4/4']);
});
