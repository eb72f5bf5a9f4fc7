/**
 * The projection worker: decodes the vectors and runs UMAP (layout.ts) off the main thread, posting the layout
 * as it improves: the principal plane first, then every few epochs, then the final one. Each layout is a
 * Float32Array (x0, y0, x1, y1, …) handed over as a transferable.
 */
import { ProgressiveLayout } from './layout';
import type { LayoutMessage, ProjectionRequest } from './types';
import { decodeVectors } from './vector';

/** How long the worker computes between two posted layouts. */
const POST_EVERY_MS = 100;

function post(message: LayoutMessage) {
  const transfer = message.type === 'layout' ? [message.coordinates.buffer as ArrayBuffer] : [];
  self.postMessage(message, { transfer });
}

function run(request: ProjectionRequest) {
  const started = performance.now();
  const vectors = request.vectors.split('\n');
  const { data, dim } = decodeVectors(vectors);
  const n = vectors.length;
  const layout = new ProgressiveLayout(data, n, dim, request.params);
  const base = { type: 'layout' as const, runId: request.runId, nEpochs: layout.nEpochs };
  post({ ...base, epoch: 0, done: layout.nEpochs === 0, coordinates: layout.coordinates(), elapsedMs: 0 });
  if (layout.nEpochs === 0) {
    return;
  }
  layout.prepare();
  let last = performance.now();
  while (!layout.done) {
    layout.step(5);
    const now = performance.now();
    if (now - last >= POST_EVERY_MS || layout.done) {
      last = now;
      post({
        ...base,
        epoch: layout.currentEpoch,
        done: layout.done,
        coordinates: layout.coordinates(),
        elapsedMs: now - started,
      });
    }
  }
}

self.onmessage = (event: MessageEvent<ProjectionRequest>) => {
  try {
    run(event.data);
  } catch (err) {
    post({ type: 'error', runId: event.data.runId, message: err instanceof Error ? err.message : String(err) });
  }
};
