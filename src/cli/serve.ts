// `selfrefine serve`: the web app (generate in the browser, progress with ETA and NFE, previews, masks).
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { startWebApp } from '../web/server.js';
import { addModelOptions, loadModelFromFlags, type ModelFlags } from './model-options.js';
import { parseInteger } from './sampler-options.js';

interface ServeFlags extends ModelFlags {
  port: string;
  host: string;
  queue: string;
}

export function registerServeCommand(program: Command): void {
  const cmd = program
    .command('serve')
    .description('run the web app: pick a prompt, generate with and without refinement, watch progress and the uncertainty mask')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <address>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--queue <n>', 'jobs that may wait at once; more are refused with 429', '16');
  addModelOptions(cmd).action(async (flags: ServeFlags) => {
      const port = parseInteger(flags.port, '--port', 0);
      if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
      const maxQueued = parseInteger(flags.queue, '--queue', 1);
      const model = await loadModelFromFlags(flags);
      let app;
      try {
        app = await startWebApp(model, { host: flags.host, port, maxQueued });
      } catch (err) {
        await model.dispose();
        throw err;
      }
      process.stdout.write(`selfrefine web app on ${app.url} (model ${model.card.name}); Ctrl-C stops it\n`);
      const running = app;
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void running
            .close()
            .then(() => model.dispose())
            .then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
