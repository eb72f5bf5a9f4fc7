import { type RefObject, useCallback, useEffect, useRef } from 'react';

import { bounds } from '../geometry';
import { fitView, panBy, type View, zoomAt } from '../scatter';

/** The zoom factor of one wheel event: lines (deltaMode 1) step faster than pixels. */
export function wheelFactor(deltaY: number, deltaMode: number): number {
  return Math.exp(-deltaY * (deltaMode === 1 ? 0.05 : 0.0015));
}

export interface Viewport {
  /** The view the next frame draws with. */
  viewRef: RefObject<View>;
  /** Whether the user has panned or zoomed since the last fit (a new layout then keeps the view). */
  userMovedRef: RefObject<boolean>;
  /** Fits the view to the layout, unless the user has moved it (or `force`). */
  fit: (force?: boolean) => void;
  /** Fits the view again and forgets the user's moves (double click, the toolbar's Fit). */
  resetView: () => void;
  /** Pans by a drag from (x0, y0) to (x, y), in canvas pixels. */
  panBy: (dx: number, dy: number) => void;
}

/**
 * Pan and zoom of the projection: the view (centre and scale), fitted to the layout until the user moves it,
 * zoomed around the pointer by the wheel (a non-passive listener, so the page does not scroll), and the canvas's
 * backing store kept at the plot's size times the device pixel ratio.
 */
export function useViewport(
  canvasRef: RefObject<HTMLCanvasElement | null>,
  coordsRef: RefObject<Float32Array | undefined>,
  plotWidth: number,
  plotHeight: number,
  requestDraw: () => void
): Viewport {
  const viewRef = useRef<View>({ cx: 0, cy: 0, scale: 1 });
  const userMovedRef = useRef(false);

  const fit = useCallback(
    (force = false) => {
      const coords = coordsRef.current;
      if (coords && (force || !userMovedRef.current)) {
        viewRef.current = fitView(bounds(coords), plotWidth, plotHeight);
      }
    },
    [coordsRef, plotWidth, plotHeight]
  );

  const resetView = useCallback(() => {
    userMovedRef.current = false;
    fit();
    requestDraw();
  }, [fit, requestDraw]);

  const pan = useCallback(
    (dx: number, dy: number) => {
      viewRef.current = panBy(viewRef.current, dx, dy);
      userMovedRef.current = true;
      requestDraw();
    },
    [requestDraw]
  );

  // The canvas's backing store follows the size and the device pixel ratio.
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) {
      return;
    }
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(plotWidth * dpr);
    canvas.height = Math.round(plotHeight * dpr);
    fit();
    requestDraw();
  }, [canvasRef, plotWidth, plotHeight, fit, requestDraw]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) {
      return;
    }
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = canvas.getBoundingClientRect();
      const factor = wheelFactor(e.deltaY, e.deltaMode);
      viewRef.current = zoomAt(
        viewRef.current,
        plotWidth,
        plotHeight,
        e.clientX - rect.left,
        e.clientY - rect.top,
        factor
      );
      userMovedRef.current = true;
      requestDraw();
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => canvas.removeEventListener('wheel', onWheel);
  }, [canvasRef, plotWidth, plotHeight, requestDraw]);

  return { viewRef, userMovedRef, fit, resetView, panBy: pan };
}
