import { type RefObject, useCallback, useEffect, useRef } from 'react';

/**
 * Draws at most once per animation frame: `requestDraw` schedules whatever function `drawRef` holds when the
 * frame comes (the component keeps it current), so pan, zoom and lasso redraw the canvas without a React render.
 */
export function useFrameScheduler(): { requestDraw: () => void; drawRef: RefObject<() => void> } {
  const drawRef = useRef<() => void>(() => {});
  const frameRef = useRef(0);
  const requestDraw = useCallback(() => {
    if (frameRef.current === 0) {
      frameRef.current = requestAnimationFrame(() => {
        frameRef.current = 0;
        drawRef.current();
      });
    }
  }, []);
  useEffect(() => () => cancelAnimationFrame(frameRef.current), []);
  return { requestDraw, drawRef };
}
