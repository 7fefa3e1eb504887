// `selfrefine serve`: the web app (generate in the browser, progress with ETA and NFE, previews, masks), on the
// physics model's card or on a model folder (--model DIR with text_encoder/, tokenizer/ and vae_decoder/).
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { defaultCacheDir } from '../io/cache.js';
import { isModelFolder } from '../models/folder/folder.js';
import type { GraphDevice } from '../models/onnx/graph.js';
import { startWebApp, type WebApp } from '../web/server.js';
import { cardWebModel } from '../web/card.js';
import { folderWebModel } from '../web/folder.js';
import { DEFAULT_WORK_LIMITS, type WorkLimits } from '../web/limits.js';
import type { JobRunner, WebModel } from '../web/model.js';
import { queueRunner } from '../queue/web.js';
import { redactedUrl } from '../queue/connection.js';
import { parseInteger } from './flags.js';
import { addModelOptions, loadModelFromFlags, type ModelFlags } from './model-options.js';

interface ServeFlags extends ModelFlags {
  port: string;
  host: string;
  queue: string;
  redis?: string;
  maxNfe?: string;
  preset?: string;
  cacheDir?: string;
  device: string;
}

/** Frames per second of a model folder's clips (Wan's `sample_fps`). */
const FOLDER_FPS = 16;

interface Served {
  readonly model: WebModel;
  readonly runner?: JobRunner;
  readonly fps: number;
  readonly where: string;
  dispose(): Promise<void>;
}

async function folderServed(flags: ServeFlags, limits: WorkLimits): Promise<Served> {
  if (flags.redis !== undefined) throw new UsageError('--redis runs jobs on `selfrefine worker`s, which load the physics model; a model folder\'s jobs run in the server: drop --redis');
  if (flags.guideWeight !== undefined) throw new UsageError('--guide-weight is the physics model\'s autoguidance; a model folder has none');
  const model = folderWebModel(flags.model, {
    cacheDir: flags.cacheDir ?? defaultCacheDir(),
    device: flags.device as GraphDevice,
    limits,
    ...(flags.preset !== undefined ? { preset: flags.preset } : {}),
  });
  return { model, fps: FOLDER_FPS, where: `model folder ${flags.model}`, dispose: async () => {} };
}

async function cardServed(flags: ServeFlags, maxQueued: number): Promise<Served> {
  for (const [flag, v] of [['--preset', flags.preset], ['--cache-dir', flags.cacheDir]] as const) {
    if (v !== undefined) throw new UsageError(`${flag} is for a model folder (--model DIR); the physics model's page sets its sampler per job`);
  }
  const shipped = await loadModelFromFlags(flags);
  try {
    const log = (line: string): void => void process.stderr.write(`${line}\n`);
    // With workers, jobs go to Redis as fast as they come (the per-request and per-client limits still hold).
    const runner = flags.redis !== undefined ? await queueRunner(shipped, { url: flags.redis, parallel: maxQueued, scale: 8, fps: 8, log }) : undefined;
    const where = `model ${shipped.card.name}${flags.redis === undefined ? '' : `, jobs on the workers of ${redactedUrl(flags.redis)}`}`;
    return { model: cardWebModel(shipped), ...(runner !== undefined ? { runner } : {}), fps: 8, where, dispose: () => shipped.dispose() };
  } catch (err) {
    await shipped.dispose();
    throw err;
  }
}

export function registerServeCommand(program: Command): void {
  const cmd = program
    .command('serve')
    .description('run the web app: pick a prompt, generate with and without refinement, watch progress and the uncertainty mask')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <address>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--queue <n>', 'jobs that may wait at once; more are refused with 429', '16')
    .option('--max-nfe <n>', `model evaluations one request may plan; more are refused with 400 (default ${DEFAULT_WORK_LIMITS.maxPlannedNfe})`)
    .option('--redis <url>', 'run the jobs on `selfrefine worker` processes through this Redis instead of in this process (docs/scale.md; physics model only)')
    .option('--preset <name>', 'model folder: the sampler preset the page starts from (default: the folder\'s, else its family\'s)')
    .option('--cache-dir <dir>', 'model folder: where encoded prompts are cached (default as for generate)')
    .addOption(new Option('--device <device>', 'model folder: onnxruntime execution provider').choices(['cpu', 'cuda']).default('cpu'));
  addModelOptions(cmd).action(async (flags: ServeFlags) => {
    const port = parseInteger(flags.port, '--port', 0);
    if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
    const maxQueued = parseInteger(flags.queue, '--queue', 1);
    const limits = { ...DEFAULT_WORK_LIMITS, ...(flags.maxNfe === undefined ? {} : { maxPlannedNfe: parseInteger(flags.maxNfe, '--max-nfe', 1) }) };
    const served = isModelFolder(flags.model) ? await folderServed(flags, limits) : await cardServed(flags, maxQueued);
    let app: WebApp;
    try {
      app = await startWebApp(served.model, { host: flags.host, port, maxQueued, limits, fps: served.fps, ...(served.runner !== undefined ? { runner: served.runner } : {}) });
    } catch (err) {
      await served.runner?.close();
      await served.dispose();
      throw err;
    }
    process.stdout.write(`selfrefine web app on ${app.url} (${served.where}); Ctrl-C stops it\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void app
          .close()
          .then(() => served.dispose())
          .then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  });
}
