// The platform-neutral ends of the ONNX graph protocol, joined in one thread: GraphClient on the main-thread side,
// graphWorkerHandler on the worker side, over a fake runtime (the real ones are exercised by onnx.test.ts in Node
// and test/web/app.test.ts in chromium).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, ToolError, UsageError } from '../../src/errors.js';
import { GraphClient, openOverLink, type LinkHandlers, type WorkerLink } from '../../src/models/onnx/graph-client.js';
import type { GraphReply, GraphRequest, GraphTensor } from '../../src/models/onnx/graph-protocol.js';
import { graphWorkerHandler, type GraphRuntime, type RuntimeTensor } from '../../src/models/onnx/graph-serve.js';

/** A runtime whose one graph doubles `x` (float32) into `y`; a source of 'broken' fails to load. */
function doublingRuntime(log: string[]): GraphRuntime<GraphTensor> {
  return {
    async create(source, device, threads) {
      if (source === 'broken') throw new Error('protobuf parsing failed\nsecond line');
      log.push(`create ${typeof source === 'string' ? source : `${source.length} bytes`} ${device} ${threads}`);
      return {
        inputMetadata: [{ name: 'x', isTensor: true, type: 'float32', shape: ['batch', 3] }],
        outputMetadata: [
          { name: 'y', isTensor: true, type: 'float32', shape: ['batch', 3] },
          { name: 'extra', isTensor: false },
        ],
        async run(feeds, fetches): Promise<Record<string, RuntimeTensor>> {
          const x = feeds.x;
          if (x === undefined) throw new Error('input x is missing');
          const data = new Float32Array(x.data as Float32Array).map((v) => 2 * v);
          return Object.fromEntries(fetches.map((name) => [name, { type: 'float32', dims: x.dims, data }]));
        },
        async release() {
          log.push('release');
        },
      };
    },
    tensor: (t) => t,
  };
}

/** Both ends in one thread: messages pass through a microtask, as they would between threads. */
function inProcessLink(runtime: GraphRuntime<GraphTensor>): WorkerLink & { exit(detail: string): void } {
  let handlers: LinkHandlers | undefined;
  let alive = true;
  const handle = graphWorkerHandler(
    runtime,
    (m: GraphReply) => queueMicrotask(() => handlers?.reply(m)),
    () => {
      alive = false;
    },
  );
  return {
    post: (m: GraphRequest) => void (alive && queueMicrotask(() => void handle(m))),
    listen(next) {
      handlers = next;
    },
    async shutdown() {},
    async terminate() {
      alive = false;
    },
    exit(detail) {
      alive = false;
      handlers?.exited(detail);
    },
  };
}

test('graph protocol: open reports the declared inputs and outputs, run returns the named outputs, close releases', async () => {
  const log: string[] = [];
  const link = inProcessLink(doublingRuntime(log));
  const meta = await openOverLink(link, { source: new Uint8Array(7), device: 'cpu', threads: 2 }, 'model.onnx');
  const graph = new GraphClient('model.onnx', meta, link);
  assert.deepEqual(graph.inputs, [{ name: 'x', dtype: 'float32', shape: ['batch', 3] }]);
  assert.deepEqual(graph.outputs, [
    { name: 'y', dtype: 'float32', shape: ['batch', 3] },
    { name: 'extra', dtype: '', shape: [] },
  ]);
  const out = await graph.run({ x: { dtype: 'float32', data: new Float32Array([1, -2, 3]), dims: [1, 3] } }, ['y']);
  assert.deepEqual([...(out.y.data as Float32Array)], [2, -4, 6]);
  assert.deepEqual(out.y.dims, [1, 3]);
  await assert.rejects(graph.run({}, ['y']), (e: Error) => e instanceof ToolError && /ONNX inference failed in model.onnx: input x is missing/.test(e.message));
  await graph.dispose();
  await graph.dispose();
  assert.deepEqual(log, ['create 7 bytes cpu 2', 'release']);
  await assert.rejects(graph.run({}, ['y']), (e: Error) => e instanceof CancelledError && /model.onnx was disposed/.test(e.message));
});

test('graph protocol: a model that does not load is one line naming it; a worker that exits fails pending and later runs', async () => {
  const broken = inProcessLink(doublingRuntime([]));
  await assert.rejects(openOverLink(broken, { source: 'broken', device: 'cpu', threads: 1 }, 'bad.onnx'), (e: Error) => e instanceof UsageError && e.message === 'cannot load bad.onnx: protobuf parsing failed');

  const link = inProcessLink(doublingRuntime([]));
  const graph = new GraphClient('m.onnx', await openOverLink(link, { source: 'm.onnx', device: 'cpu', threads: 1 }, 'm.onnx'), link);
  const pending = graph.run({ x: { dtype: 'float32', data: new Float32Array(3), dims: [1, 3] } }, ['y']);
  link.exit('code 1');
  await assert.rejects(pending, (e: Error) => e instanceof ToolError && /worker exited unexpectedly \(code 1\) running m.onnx/.test(e.message));
  await assert.rejects(graph.run({}, ['y']), /worker exited unexpectedly/);
  await graph.dispose();
});
