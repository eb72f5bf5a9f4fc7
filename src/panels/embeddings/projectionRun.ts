import { ProgressiveLayout } from './layout';
import type { LayoutMessage, ProjectionRequest } from './types';
import { decodeVectors } from './vector';

/** How long the worker computes between two posted layouts. */
export const POST_EVERY_MS = 100;

/**
 * One projection, as the worker runs it: decodes the vectors, posts the principal plane at once, then the layout
 * every POST_EVERY_MS of computing and the final one (done). Errors are posted, not thrown.
 */
export function runProjection(
  request: ProjectionRequest,
  post: (message: LayoutMessage) => void,
  now: () => number = () => performance.now()
): void {
  try {
    const started = now();
    const vectors = request.vectors.split('\n');
    const { data, dim } = decodeVectors(vectors);
    const layout = new ProgressiveLayout(data, vectors.length, dim, request.params);
    const base = { type: 'layout' as const, runId: request.runId, nEpochs: layout.nEpochs };
    post({ ...base, epoch: 0, done: layout.nEpochs === 0, coordinates: layout.coordinates(), elapsedMs: 0 });
    if (layout.nEpochs === 0) {
      return;
    }
    layout.prepare();
    let last = now();
    while (!layout.done) {
      layout.step(5);
      const t = now();
      if (t - last >= POST_EVERY_MS || layout.done) {
        last = t;
        post({
          ...base,
          epoch: layout.currentEpoch,
          done: layout.done,
          coordinates: layout.coordinates(),
          elapsedMs: t - started,
        });
      }
    }
  } catch (err) {
    post({ type: 'error', runId: request.runId, message: err instanceof Error ? err.message : String(err) });
  }
}
