// `selfrefine serve`: the web app (generate in the browser, progress with ETA and NFE, previews, masks).
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { startWebApp } from '../web/server.js';
import { DEFAULT_WORK_LIMITS } from '../web/limits.js';
import type { JobRunner } from '../web/jobs.js';
import { queueRunner } from '../queue/web.js';
import { redactedUrl } from '../queue/connection.js';
import { addModelOptions, loadModelFromFlags, type ModelFlags } from './model-options.js';
import { parseInteger } from './flags.js';

interface ServeFlags extends ModelFlags {
  port: string;
  host: string;
  queue: string;
  redis?: string;
  maxNfe?: string;
}

export function registerServeCommand(program: Command): void {
  const cmd = program
    .command('serve')
    .description('run the web app: pick a prompt, generate with and without refinement, watch progress and the uncertainty mask')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <address>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--queue <n>', 'jobs that may wait at once; more are refused with 429', '16')
    .option('--max-nfe <n>', `model evaluations one request may plan; more are refused with 400 (default ${DEFAULT_WORK_LIMITS.maxPlannedNfe})`)
    .option('--redis <url>', 'run the jobs on `selfrefine worker` processes through this Redis instead of in this process (docs/scale.md)');
  addModelOptions(cmd).action(async (flags: ServeFlags) => {
      const port = parseInteger(flags.port, '--port', 0);
      if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
      const maxQueued = parseInteger(flags.queue, '--queue', 1);
      const limits = { ...DEFAULT_WORK_LIMITS, ...(flags.maxNfe === undefined ? {} : { maxPlannedNfe: parseInteger(flags.maxNfe, '--max-nfe', 1) }) };
      const model = await loadModelFromFlags(flags);
      let app;
      let runner: JobRunner | undefined;
      try {
        const log = (line: string): void => void process.stderr.write(`${line}\n`);
        // With workers, jobs go to Redis as fast as they come (the per-request and per-client limits still hold).
        if (flags.redis !== undefined) runner = await queueRunner(model, { url: flags.redis, parallel: maxQueued, scale: 8, fps: 8, log });
        app = await startWebApp(model, { host: flags.host, port, maxQueued, limits, ...(runner === undefined ? {} : { runner }) });
      } catch (err) {
        await runner?.close();
        await model.dispose();
        throw err;
      }
      process.stdout.write(`selfrefine web app on ${app.url} (model ${model.card.name}${flags.redis === undefined ? '' : `, jobs on the workers of ${redactedUrl(flags.redis)}`}); Ctrl-C stops it\n`);
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
