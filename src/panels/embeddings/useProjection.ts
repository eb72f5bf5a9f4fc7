import { useEffect, useMemo, useRef, useState } from 'react';

import { createProjectionWorker } from './createWorker';
import type { ProjectionParams } from './layout';
import type { LayoutMessage, ProjectionRequest } from './types';

export interface ProjectionState {
  /** The latest layout (x0, y0, …), undefined until the first arrives. */
  coordinates?: Float32Array;
  epoch: number;
  nEpochs: number;
  done: boolean;
  error?: string;
  /** Milliseconds from the start of the run to the latest layout, as the worker measured. */
  elapsedMs: number;
}

const INITIAL: ProjectionState = { epoch: 0, nEpochs: 0, done: false, elapsedMs: 0 };

/** How often intermediate layouts reach React state (the status line, the outlines); every one is drawn. */
const STATE_EVERY_MS = 300;

let nextRunId = 1;

/**
 * Runs the projection of the vectors in a worker and returns its latest layout; every layout the worker posts
 * goes to onLayout first (the scatter draws it in the next animation frame without waiting for React), while
 * the returned state follows at most every STATE_EVERY_MS (and for the first and the final layout). A new input
 * or parameters end the running worker and start another.
 */
export function useProjection(
  vectors: string[] | undefined,
  params: ProjectionParams,
  onLayout: (coordinates: Float32Array, done: boolean) => void
): ProjectionState {
  const { nNeighbors, minDist, nEpochs, seed } = params;
  const request = useMemo(
    () =>
      vectors && vectors.length > 0
        ? { runId: nextRunId++, vectors, params: { nNeighbors, minDist, nEpochs, seed } }
        : undefined,
    [vectors, nNeighbors, minDist, nEpochs, seed]
  );
  // The state of one run; a state of an earlier run reads as the initial one.
  const [state, setState] = useState<ProjectionState & { runId?: number }>(INITIAL);
  const onLayoutRef = useRef(onLayout);
  useEffect(() => {
    onLayoutRef.current = onLayout;
  }, [onLayout]);

  useEffect(() => {
    if (!request) {
      return;
    }
    const { runId } = request;
    let lastState = 0;
    let worker: Worker;
    try {
      worker = createProjectionWorker();
    } catch (err) {
      void Promise.resolve().then(() =>
        setState({ ...INITIAL, runId, error: `cannot start the projection worker: ${String(err)}` })
      );
      return;
    }
    worker.onmessage = (event: MessageEvent<LayoutMessage>) => {
      const m = event.data;
      if (m.runId !== runId) {
        return;
      }
      if (m.type === 'error') {
        setState((s) => ({ ...(s.runId === runId ? s : INITIAL), runId, error: m.message }));
        return;
      }
      onLayoutRef.current(m.coordinates, m.done);
      const now = performance.now();
      if (!m.done && m.epoch > 0 && now - lastState < STATE_EVERY_MS) {
        return;
      }
      lastState = now;
      setState({
        runId,
        coordinates: m.coordinates,
        epoch: m.epoch,
        nEpochs: m.nEpochs,
        done: m.done,
        elapsedMs: m.elapsedMs,
      });
      if (m.done) {
        worker.terminate();
      }
    };
    worker.onerror = (event: ErrorEvent) => {
      setState((s) => ({
        ...(s.runId === runId ? s : INITIAL),
        runId,
        error: event.message || 'the projection worker failed to load',
      }));
    };
    const message: ProjectionRequest = { ...request, vectors: request.vectors.join('\n') };
    worker.postMessage(message);
    return () => worker.terminate();
  }, [request]);

  return request && state.runId === request.runId ? state : INITIAL;
}
