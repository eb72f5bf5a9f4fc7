import { type RefObject, useCallback, useRef } from 'react';

import { pointsInPolygon } from '../geometry';
import { toLayout, type View } from '../scatter';

/**
 * The selection after a lasso: the points it picked, added to the previous selection when `additive` (Ctrl or
 * Cmd held), else replacing it.
 */
export function lassoSelection(previous: Uint8Array, picked: Iterable<number>, additive: boolean): Uint8Array {
  const next = additive ? previous.slice() : new Uint8Array(previous.length);
  for (const i of picked) {
    next[i] = 1;
  }
  return next;
}

export interface Lasso {
  /** The polygon being drawn, in layout coordinates (x0, y0, x1, y1, …), for the scene. */
  lassoRef: RefObject<number[] | undefined>;
  start: (x: number, y: number) => void;
  extend: (x: number, y: number) => void;
  /** Closes the polygon and selects the visible points inside it. */
  finish: (additive: boolean) => void;
  cancel: () => void;
}

/** Lasso selection: a polygon drawn in canvas pixels, kept in layout coordinates so pan and zoom do not move it. */
export function useLasso(opts: {
  viewRef: RefObject<View>;
  coordsRef: RefObject<Float32Array | undefined>;
  plotWidth: number;
  plotHeight: number;
  visible: Uint8Array;
  selection: Uint8Array;
  setSelection: (mask: Uint8Array) => void;
  requestDraw: () => void;
}): Lasso {
  const { viewRef, coordsRef, plotWidth, plotHeight, visible, selection, setSelection, requestDraw } = opts;
  const lassoRef = useRef<number[] | undefined>(undefined);
  const start = useCallback(
    (x: number, y: number) => {
      lassoRef.current = toLayout(viewRef.current, plotWidth, plotHeight, x, y);
    },
    [viewRef, plotWidth, plotHeight]
  );
  const extend = useCallback(
    (x: number, y: number) => {
      lassoRef.current?.push(...toLayout(viewRef.current, plotWidth, plotHeight, x, y));
      requestDraw();
    },
    [viewRef, plotWidth, plotHeight, requestDraw]
  );
  const finish = useCallback(
    (additive: boolean) => {
      if (lassoRef.current && coordsRef.current) {
        const picked = pointsInPolygon(coordsRef.current, lassoRef.current, (i) => visible[i] === 1);
        setSelection(lassoSelection(selection, picked, additive));
      }
      lassoRef.current = undefined;
      requestDraw();
    },
    [coordsRef, visible, selection, setSelection, requestDraw]
  );
  const cancel = useCallback(() => {
    lassoRef.current = undefined;
    requestDraw();
  }, [requestDraw]);
  return { lassoRef, start, extend, finish, cancel };
}
