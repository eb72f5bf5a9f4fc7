import { type RefObject, useCallback, useState } from 'react';

import { toLayout, type View } from '../scatter';
import type { GridIndex } from '../spatialIndex';

/** How far from a point the pointer still hovers it, in layout units: the point's radius plus 4 px. */
export function hoverRadius(pointSize: number, scale: number): number {
  return (pointSize / 2 + 4) / scale;
}

export interface HoverPoint {
  index: number;
  /** Canvas pixels of the pointer, where the tooltip goes. */
  x: number;
  y: number;
}

/** Hover: the visible point nearest the pointer within its radius, looked up in the layout's grid index. */
export function useHover(opts: {
  indexRef: RefObject<GridIndex | undefined>;
  viewRef: RefObject<View>;
  plotWidth: number;
  plotHeight: number;
  pointSize: number;
  visible: Uint8Array;
}) {
  const { indexRef, viewRef, plotWidth, plotHeight, pointSize, visible } = opts;
  const [hover, setHover] = useState<HoverPoint | undefined>();
  const pick = useCallback(
    (x: number, y: number) => {
      const index = indexRef.current;
      if (!index) {
        return;
      }
      const view = viewRef.current;
      const [lx, ly] = toLayout(view, plotWidth, plotHeight, x, y);
      const found = index.nearest(lx, ly, hoverRadius(pointSize, view.scale), (i) => visible[i] === 1);
      setHover((previous) => {
        if (found === (previous?.index ?? -1)) {
          return previous;
        }
        return found < 0 ? undefined : { index: found, x, y };
      });
    },
    [indexRef, viewRef, plotWidth, plotHeight, pointSize, visible]
  );
  const clear = useCallback(() => setHover(undefined), []);
  return { hover, pick, clear };
}
