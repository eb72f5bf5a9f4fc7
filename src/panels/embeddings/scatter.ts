import type { Point } from './geometry';
import type { GridIndex } from './spatialIndex';

/**
 * The scatter's view (layout → canvas pixels) and drawing. Drawing culls to the viewport through the grid
 * index and fills one path per colour, so 50,000 points cost a few hundred path calls, not 50,000 fills.
 */

/** Layout point (cx, cy) at the canvas centre, `scale` CSS pixels per layout unit, y up. */
export interface View {
  cx: number;
  cy: number;
  scale: number;
}

export const PADDING = 16;

/** The view that fits the bounds [minX, minY, maxX, maxY] into width × height with padding. */
export function fitView(b: [number, number, number, number], width: number, height: number): View {
  const [minX, minY, maxX, maxY] = b;
  if (!Number.isFinite(minX)) {
    return { cx: 0, cy: 0, scale: 1 };
  }
  const w = Math.max(maxX - minX, 1e-6);
  const h = Math.max(maxY - minY, 1e-6);
  const scale = Math.min((width - 2 * PADDING) / w, (height - 2 * PADDING) / h);
  return { cx: (minX + maxX) / 2, cy: (minY + maxY) / 2, scale: Math.max(scale, 1e-6) };
}

export function toScreenX(view: View, width: number, x: number): number {
  return (x - view.cx) * view.scale + width / 2;
}

export function toScreenY(view: View, height: number, y: number): number {
  return height / 2 - (y - view.cy) * view.scale;
}

export function toLayout(view: View, width: number, height: number, sx: number, sy: number): [number, number] {
  return [(sx - width / 2) / view.scale + view.cx, (height / 2 - sy) / view.scale + view.cy];
}

/** The view zoomed by factor around the screen point (sx, sy), which stays where it is. */
export function zoomAt(view: View, width: number, height: number, sx: number, sy: number, factor: number): View {
  const [lx, ly] = toLayout(view, width, height, sx, sy);
  const scale = view.scale * factor;
  return { scale, cx: lx - (sx - width / 2) / scale, cy: ly - (height / 2 - sy) / scale };
}

/** The view moved by (dx, dy) screen pixels. */
export function panBy(view: View, dx: number, dy: number): View {
  return { ...view, cx: view.cx - dx / view.scale, cy: view.cy + dy / view.scale };
}

export interface Outline {
  label: string;
  hull: Point[];
  color: string;
}

export interface ScatterScene {
  coords: Float32Array;
  index: GridIndex;
  colors: string[];
  colorIndex: Uint16Array;
  /** 1 for a point to draw (its set is shown). */
  visible: Uint8Array;
  selected: Uint8Array;
  selectedCount: number;
  hover: number;
  outlines: Outline[];
  pointSize: number;
  selectionColor: string;
  lasso?: number[];
  lassoColor: string;
  font: string;
  textColor: string;
}

// Reused between frames: one index buffer per colour, and the pixel buffer.
let buckets: Int32Array[] = [];
let counts = new Int32Array(0);
let pixels: ImageData | undefined;

/** A CSS colour (#rgb, #rrggbb, #rrggbbaa, rgb(), rgba()) as a little-endian RGBA word; grey when unknown. */
export function rgbaWord(color: string): number {
  let r = 128;
  let g = 128;
  let b = 128;
  let a = 255;
  const hex = /^#([0-9a-f]{3,8})$/i.exec(color.trim());
  const fn = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,\s/]+([\d.]+%?))?\s*\)$/i.exec(color.trim());
  if (hex) {
    const h = hex[1].length <= 4 ? [...hex[1]].map((c) => c + c).join('') : hex[1];
    r = parseInt(h.slice(0, 2), 16);
    g = parseInt(h.slice(2, 4), 16);
    b = parseInt(h.slice(4, 6), 16);
    a = h.length >= 8 ? parseInt(h.slice(6, 8), 16) : 255;
  } else if (fn) {
    [r, g, b] = [fn[1], fn[2], fn[3]].map((x) => Math.min(255, Math.round(Number(x))));
    if (fn[4] !== undefined) {
      const alpha = fn[4].endsWith('%') ? Number(fn[4].slice(0, -1)) / 100 : Number(fn[4]);
      a = Math.round(Math.min(1, Math.max(0, alpha)) * 255);
    }
  }
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** The pixel offsets of a point of the given diameter in device pixels: a square up to 3, else a disc. */
export function pointStamp(diameter: number): Array<[number, number]> {
  const d = Math.max(1, Math.round(diameter));
  const out: Array<[number, number]> = [];
  const c = (d - 1) / 2;
  for (let y = 0; y < d; y++) {
    for (let x = 0; x < d; x++) {
      if (d <= 3 || (x - c) ** 2 + (y - c) ** 2 <= (d / 2) ** 2 + 0.25) {
        out.push([x - Math.floor(c), y - Math.floor(c)]);
      }
    }
  }
  return out;
}

/** Draws the scene; returns how many points were drawn. */
export function drawScatter(
  ctx: CanvasRenderingContext2D,
  scene: ScatterScene,
  view: View,
  width: number,
  height: number,
  dpr: number
): number {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  const { coords, colors, colorIndex, visible, pointSize } = scene;
  const r = pointSize / 2;
  const n = coords.length >> 1;
  if (buckets.length < colors.length || (buckets[0]?.length ?? 0) < n) {
    buckets = colors.map(() => new Int32Array(n));
  }
  if (counts.length < colors.length) {
    counts = new Int32Array(colors.length);
  }
  counts.fill(0);
  const margin = r / view.scale;
  const [x0, y1] = toLayout(view, width, height, 0, 0);
  const [x1, y0] = toLayout(view, width, height, width, height);
  let drawn = 0;
  scene.index.forEachInRect(x0 - margin, y0 - margin, x1 + margin, y1 + margin, (i) => {
    if (!visible[i]) {
      return;
    }
    const x = coords[2 * i];
    const y = coords[2 * i + 1];
    if (x < x0 - margin || x > x1 + margin || y < y0 - margin || y > y1 + margin) {
      return;
    }
    const c = colorIndex[i];
    buckets[c][counts[c]++] = i;
  });

  // Points go straight into a pixel buffer: far cheaper than rasterising tens of thousands of paths.
  const pw = Math.max(1, Math.round(width * dpr));
  const ph = Math.max(1, Math.round(height * dpr));
  if (!pixels || pixels.width !== pw || pixels.height !== ph) {
    pixels = ctx.createImageData(pw, ph);
  }
  const buffer = new Uint32Array(pixels.data.buffer);
  buffer.fill(0);
  const stamp = pointStamp(pointSize * dpr);
  const k = view.scale * dpr;
  const ox = (width / 2) * dpr - view.cx * k;
  const oy = (height / 2) * dpr + view.cy * k;
  for (let c = 0; c < colors.length; c++) {
    const list = buckets[c];
    const count = counts[c];
    if (count === 0) {
      continue;
    }
    const word = rgbaWord(colors[c]);
    for (let j = 0; j < count; j++) {
      const i = list[j];
      const px = Math.round(coords[2 * i] * k + ox);
      const py = Math.round(oy - coords[2 * i + 1] * k);
      for (let s = 0; s < stamp.length; s++) {
        const x = px + stamp[s][0];
        const y = py + stamp[s][1];
        if (x >= 0 && x < pw && y >= 0 && y < ph) {
          buffer[y * pw + x] = word;
        }
      }
    }
    drawn += count;
  }
  ctx.putImageData(pixels, 0, 0);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const half = width / 2;
  const mid = height / 2;

  if (scene.selectedCount > 0) {
    ctx.strokeStyle = scene.selectionColor;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      if (!scene.selected[i] || !visible[i]) {
        continue;
      }
      const sx = (coords[2 * i] - view.cx) * view.scale + half;
      const sy = mid - (coords[2 * i + 1] - view.cy) * view.scale;
      if (sx < -r || sx > width + r || sy < -r || sy > height + r) {
        continue;
      }
      ctx.rect(sx - r - 1.5, sy - r - 1.5, pointSize + 3, pointSize + 3);
    }
    ctx.stroke();
  }

  ctx.font = scene.font;
  for (const o of scene.outlines) {
    if (o.hull.length === 0) {
      continue;
    }
    ctx.strokeStyle = o.color;
    ctx.fillStyle = o.color;
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    o.hull.forEach(([x, y], k) => {
      const sx = toScreenX(view, width, x);
      const sy = toScreenY(view, height, y);
      if (k === 0) {
        ctx.moveTo(sx, sy);
      } else {
        ctx.lineTo(sx, sy);
      }
    });
    ctx.closePath();
    ctx.globalAlpha = 0.08;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.stroke();
    ctx.setLineDash([]);
    // The label sits above the hull's highest vertex.
    const top = o.hull.reduce((a, b) => (b[1] > a[1] ? b : a));
    ctx.fillStyle = scene.textColor;
    ctx.fillText(o.label, toScreenX(view, width, top[0]) + 4, toScreenY(view, height, top[1]) - 6);
  }

  if (scene.hover >= 0 && visible[scene.hover]) {
    const i = scene.hover;
    ctx.strokeStyle = scene.selectionColor;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(toScreenX(view, width, coords[2 * i]), toScreenY(view, height, coords[2 * i + 1]), r + 4, 0, 2 * Math.PI);
    ctx.stroke();
  }

  if (scene.lasso && scene.lasso.length >= 4) {
    ctx.strokeStyle = scene.lassoColor;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    for (let k = 0; k < scene.lasso.length; k += 2) {
      const sx = toScreenX(view, width, scene.lasso[k]);
      const sy = toScreenY(view, height, scene.lasso[k + 1]);
      if (k === 0) {
        ctx.moveTo(sx, sy);
      } else {
        ctx.lineTo(sx, sy);
      }
    }
    ctx.closePath();
    ctx.stroke();
    ctx.setLineDash([]);
  }
  return drawn;
}
