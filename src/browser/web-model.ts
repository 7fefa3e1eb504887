// The shipped model in the browser: card, networks and VAE fetched from the app's own folder (web-dist/models/),
// each network started in a Web Worker running onnxruntime-web. The same assembly as Node's loadCardModel.
import { ToolError, UsageError } from '../errors.js';
import { loadCardFrom, type CardFiles } from '../models/onnx/card.js';
import type { OnnxBackend } from '../models/onnx/backend.js';
import { GraphClient, openOverLink, type LinkHandlers, type WorkerLink } from '../models/onnx/graph-client.js';
import type { GraphReply } from '../models/onnx/graph-protocol.js';
import { assembleCardModel, type CardModel } from '../models/card-model.js';
import { PatchPcaVae } from '../models/vae.js';
import type { ExecutionProvider } from './runtime.js';

/** A Web Worker as a WorkerLink. Browsers give no exit event, so `exited` fires only for a failed script. */
function webWorkerLink(worker: Worker): WorkerLink {
  let handlers: LinkHandlers | undefined;
  worker.onmessage = (e: MessageEvent<GraphReply>) => handlers?.reply(e.data);
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    handlers?.exited(`worker script error: ${e.message}`);
  };
  worker.onmessageerror = () => handlers?.error(new Error('a message from the ONNX worker could not be read'));
  return {
    post: (message, transfer = []) => worker.postMessage(message, transfer),
    listen(next) {
      handlers = next;
    },
    // onnxruntime-web releases the session synchronously in the worker; ending it afterwards loses nothing.
    async shutdown() {
      worker.terminate();
    },
    async terminate() {
      worker.terminate();
    },
  };
}

/** The onnxruntime-web backend: each network's graph in a module Web Worker of its own. */
export function webOnnxBackend(provider: ExecutionProvider, threads: number): OnnxBackend {
  return {
    async open(onnxBytes, where) {
      const url = new URL(`./onnx-worker-${provider}.js?ep=${provider}`, import.meta.url);
      const link = webWorkerLink(new Worker(url, { type: 'module' }));
      const meta = await openOverLink(link, { source: onnxBytes, device: 'cpu', threads }, where);
      return new GraphClient(where, meta, link);
    },
  };
}

async function fetchOk(url: string, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new ToolError(`cannot fetch ${what} ${url}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new UsageError(`cannot fetch ${what} ${url}: HTTP ${res.status}; rebuild the app (npm run build:web)`);
  return res;
}

/** The card's files under `dir` (a URL ending in '/'). */
export function httpCardFiles(cardUrl: string): CardFiles {
  const dir = new URL('./', cardUrl).href;
  return {
    dir,
    locate: (name) => new URL(name, dir).href,
    readCard: async () => (await fetchOk(cardUrl, 'model card')).text(),
    readModel: async (url) => new Uint8Array(await (await fetchOk(url, 'model file')).arrayBuffer()),
  };
}

/** Load the shipped model whose card is at `cardUrl`. */
export async function loadWebModel(cardUrl: string, provider: ExecutionProvider, threads: number): Promise<CardModel> {
  const files = httpCardFiles(cardUrl);
  const loaded = await loadCardFrom(cardUrl, files);
  const readVae = async (name: string): Promise<PatchPcaVae> => {
    const url = files.locate(name);
    return PatchPcaVae.fromJson(await (await fetchOk(url, 'VAE')).json(), url);
  };
  return assembleCardModel(loaded, cardUrl, webOnnxBackend(provider, threads), readVae);
}
