#!/usr/bin/env node
import { Command } from 'commander';
import { failureOf } from './failure.js';
import { registerSampleCommand } from './sample.js';
import { registerGenerateCommand } from './generate.js';
import { registerWorldCommand } from './world.js';
import { registerEvalCommand } from './eval.js';
import { registerBenchCommand } from './bench.js';
import { registerServeCommand } from './serve.js';
import { registerWorkerCommand } from './worker.js';

// `selfrefine … | head`: a closed pipe ends the command quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command();
program
  .name('selfrefine')
  .description('Self-Refining Video Sampling (Predict-and-Perturb) for flow-matching video models')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerSampleCommand(program);
registerGenerateCommand(program);
registerWorldCommand(program);
registerEvalCommand(program);
registerBenchCommand(program);
registerServeCommand(program);
registerWorkerCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const failure = failureOf(err);
  if (failure.line !== null) process.stderr.write(`${failure.line}\n`);
  process.exitCode = failure.exitCode;
}
