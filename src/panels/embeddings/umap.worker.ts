/**
 * The projection worker: decodes the vectors and runs UMAP off the main thread (projectionRun.ts), posting each
 * layout as a Float32Array (x0, y0, x1, y1, …) handed over as a transferable.
 */
import { runProjection } from './projectionRun';
import type { LayoutMessage, ProjectionRequest } from './types';

function post(message: LayoutMessage) {
  const transfer = message.type === 'layout' ? [message.coordinates.buffer as ArrayBuffer] : [];
  self.postMessage(message, { transfer });
}

self.onmessage = (event: MessageEvent<ProjectionRequest>) => runProjection(event.data, post);
