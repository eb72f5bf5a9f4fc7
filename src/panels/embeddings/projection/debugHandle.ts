import { type RefObject, useEffect } from 'react';

import type { ClusterOutline } from '../clusters';
import type { ExportResult } from '../exportSelection';
import type { EmbeddingsModel } from '../frame';
import { toScreenX, toScreenY, type View } from '../scatter';
import type { ProjectionState } from '../useProjection';
import type { DrawTimings } from './scene';

/** Read-only view of the panel for browser tests and benchmarks; set only when the page asks for it. */
export interface EmbeddingsDebug {
  ids: string[];
  texts: string[];
  current: number[];
  state: () => { epoch: number; nEpochs: number; done: boolean; error?: string };
  timings: () => DrawTimings;
  layout: () => number[];
  outlines: () => Array<{ id: string; size: number; members: string[]; hulls: Array<Array<[number, number]>> }>;
  selection: () => string[];
  lastExport: () => ExportResult | undefined;
  /** Page (client) coordinates of a layout point. */
  toClient: (x: number, y: number) => [number, number];
}

declare global {
  interface Window {
    __vigilEmbeddingsDebug?: boolean;
    __vigilEmbeddings?: EmbeddingsDebug;
  }
}

/** Publishes the panel's debug view on window when the host page asks for it (window.__vigilEmbeddingsDebug). */
export function useDebugHandle(d: {
  model: EmbeddingsModel;
  projection: ProjectionState;
  timingsRef: RefObject<DrawTimings>;
  coordsRef: RefObject<Float32Array | undefined>;
  canvasRef: RefObject<HTMLCanvasElement | null>;
  viewRef: RefObject<View>;
  outlinesOf: (coords: Float32Array) => ClusterOutline[];
  selectedIds: () => string[];
  lastExport: () => ExportResult | undefined;
  plotWidth: number;
  plotHeight: number;
}) {
  const { model, projection, timingsRef, coordsRef, canvasRef, viewRef, outlinesOf, selectedIds, lastExport } = d;
  const { plotWidth, plotHeight } = d;
  useEffect(() => {
    if (!window.__vigilEmbeddingsDebug) {
      return;
    }
    window.__vigilEmbeddings = {
      ids: model.ids,
      texts: model.texts,
      current: Array.from(model.isCurrent),
      state: () => ({
        epoch: projection.epoch,
        nEpochs: projection.nEpochs,
        done: projection.done,
        error: projection.error,
      }),
      timings: () => ({ ...timingsRef.current }),
      layout: () => Array.from(coordsRef.current ?? []),
      outlines: () =>
        (coordsRef.current ? outlinesOf(coordsRef.current) : []).map((o) => ({
          id: o.cluster.id,
          size: o.cluster.size,
          members: o.cluster.members.map((i) => model.ids[i]),
          hulls: o.hulls.map((hull) => hull.map(([x, y]): [number, number] => [x, y])),
        })),
      selection: selectedIds,
      lastExport,
      toClient: (x, y) => {
        const rect = canvasRef.current!.getBoundingClientRect();
        return [
          rect.left + toScreenX(viewRef.current, plotWidth, x),
          rect.top + toScreenY(viewRef.current, plotHeight, y),
        ];
      },
    };
  }, [
    model,
    projection,
    timingsRef,
    coordsRef,
    canvasRef,
    viewRef,
    outlinesOf,
    selectedIds,
    lastExport,
    plotWidth,
    plotHeight,
  ]);
}
