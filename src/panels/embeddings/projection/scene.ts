import { type RefObject, useCallback, useRef } from 'react';
import type { GrafanaTheme2 } from '@grafana/data';

import { type ClusterOutline, clusterOutlines } from '../clusters';
import type { PointColors } from '../colors';
import type { EmbeddingsModel } from '../frame';
import { drawScatter, type Outline, type View } from '../scatter';
import type { GridIndex } from '../spatialIndex';

/** When the run's first and final frames were drawn and how long the last draw took (ms, from the run's start). */
export interface DrawTimings {
  start: number;
  firstDraw?: number;
  finalDraw?: number;
  lastDrawMs?: number;
  draws: number;
}

/** The outlines of novel clusters on a layout, computed once per layout (the worker posts a new array each time). */
export function useClusterOutlines(clusters: EmbeddingsModel['novelClusters']) {
  const cache = useRef<{
    coords?: Float32Array;
    clusters?: EmbeddingsModel['novelClusters'];
    outlines: ClusterOutline[];
  }>({
    outlines: [],
  });
  return useCallback(
    (coords: Float32Array): ClusterOutline[] => {
      if (cache.current.coords !== coords || cache.current.clusters !== clusters) {
        cache.current = { coords, clusters, outlines: clusterOutlines(coords, clusters) };
      }
      return cache.current.outlines;
    },
    [clusters]
  );
}

/** What the scene shows besides the layout, from React state. */
export interface SceneInputs {
  model: EmbeddingsModel;
  colors: PointColors;
  visible: Uint8Array;
  selection: Uint8Array;
  selectedCount: number;
  hover: number;
  pointSize: number;
  showOutlines: boolean;
  theme: GrafanaTheme2;
  plotWidth: number;
  plotHeight: number;
}

/**
 * The drawing of the projection: a function that renders the current layout, view, lasso and scene inputs on
 * the canvas (reading refs, so pan and zoom need no React render), and records its timings.
 */
export function useSceneDraw(
  refs: {
    canvasRef: RefObject<HTMLCanvasElement | null>;
    coordsRef: RefObject<Float32Array | undefined>;
    indexRef: RefObject<GridIndex | undefined>;
    viewRef: RefObject<View>;
    lassoRef: RefObject<number[] | undefined>;
    timingsRef: RefObject<DrawTimings>;
    finalPendingRef: RefObject<boolean>;
  },
  outlinesOf: (coords: Float32Array) => ClusterOutline[],
  s: SceneInputs
): () => void {
  return () => {
    const canvas = refs.canvasRef.current;
    const coords = refs.coordsRef.current;
    const index = refs.indexRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) {
      return;
    }
    if (!coords || !index || coords.length !== 2 * s.model.n) {
      // No layout of these points yet: an empty plot rather than the previous points.
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      return;
    }
    const t0 = performance.now();
    const outlineColor = s.theme.visualization.getColorByName('orange');
    const outlines: Outline[] = s.showOutlines
      ? // One outline per blob of a cluster, each labelled with the cluster's id.
        outlinesOf(coords).flatMap((o) =>
          o.hulls.map((hull) => ({ label: `#${o.cluster.id} (${o.cluster.size})`, hull, color: outlineColor }))
        )
      : [];
    const text = s.theme.colors.text.primary;
    drawScatter(
      ctx,
      {
        coords,
        index,
        colors: s.colors.colors,
        colorIndex: s.colors.colorIndex,
        visible: s.visible,
        selected: s.selection,
        selectedCount: s.selectedCount,
        hover: s.hover,
        outlines,
        pointSize: s.pointSize,
        selectionColor: text,
        lasso: refs.lassoRef.current,
        lassoColor: text,
        font: `${s.theme.typography.bodySmall.fontSize} ${s.theme.typography.fontFamily}`,
        textColor: text,
      },
      refs.viewRef.current,
      s.plotWidth,
      s.plotHeight,
      window.devicePixelRatio || 1
    );
    const t = refs.timingsRef.current;
    const now = performance.now();
    t.lastDrawMs = now - t0;
    t.draws++;
    t.firstDraw ??= now - t.start;
    if (refs.finalPendingRef.current && t.finalDraw === undefined) {
      t.finalDraw = now - t.start;
    }
  };
}
