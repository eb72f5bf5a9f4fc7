/**
 * A uniform grid over the layout: points bucketed by cell (counting sort, flat arrays), for hover lookup (the
 * nearest point within a radius) and viewport culling (the points of the cells a rectangle overlaps).
 */
export class GridIndex {
  private readonly minX: number;
  private readonly minY: number;
  private readonly cell: number;
  private readonly cols: number;
  private readonly rows: number;
  /** Points of cell c: items[start[c] .. start[c + 1]). */
  private readonly start: Uint32Array;
  private readonly items: Uint32Array;

  constructor(
    private readonly coords: Float32Array,
    pointsPerCell = 4
  ) {
    const n = coords.length >> 1;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = coords[2 * i];
      const y = coords[2 * i + 1];
      if (x < minX) {
        minX = x;
      }
      if (x > maxX) {
        maxX = x;
      }
      if (y < minY) {
        minY = y;
      }
      if (y > maxY) {
        maxY = y;
      }
    }
    if (n === 0) {
      minX = minY = maxX = maxY = 0;
    }
    const w = Math.max(maxX - minX, 1e-9);
    const h = Math.max(maxY - minY, 1e-9);
    const cells = Math.max(1, Math.min(1 << 20, Math.ceil(n / pointsPerCell)));
    this.cell = Math.max(Math.sqrt((w * h) / cells), Math.max(w, h) / 2048);
    this.cols = Math.floor(w / this.cell) + 1;
    this.rows = Math.floor(h / this.cell) + 1;
    this.minX = minX;
    this.minY = minY;
    const count = new Uint32Array(this.cols * this.rows + 1);
    const cellOf = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const c = this.cellIndex(coords[2 * i], coords[2 * i + 1]);
      cellOf[i] = c;
      count[c + 1]++;
    }
    for (let c = 1; c < count.length; c++) {
      count[c] += count[c - 1];
    }
    this.start = count.slice();
    const fill = count;
    this.items = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      this.items[fill[cellOf[i]]++] = i;
    }
  }

  private col(x: number): number {
    return Math.min(this.cols - 1, Math.max(0, Math.floor((x - this.minX) / this.cell)));
  }

  private row(y: number): number {
    return Math.min(this.rows - 1, Math.max(0, Math.floor((y - this.minY) / this.cell)));
  }

  private cellIndex(x: number, y: number): number {
    return this.row(y) * this.cols + this.col(x);
  }

  /** Calls fn for every point in the cells the rectangle overlaps (a superset of the points inside it). */
  forEachInRect(x0: number, y0: number, x1: number, y1: number, fn: (i: number) => void): void {
    const c0 = this.col(Math.min(x0, x1));
    const c1 = this.col(Math.max(x0, x1));
    const r0 = this.row(Math.min(y0, y1));
    const r1 = this.row(Math.max(y0, y1));
    for (let r = r0; r <= r1; r++) {
      const base = r * this.cols;
      for (let c = c0; c <= c1; c++) {
        for (let k = this.start[base + c]; k < this.start[base + c + 1]; k++) {
          fn(this.items[k]);
        }
      }
    }
  }

  /** The nearest point to (x, y) within radius that accept allows, or -1. */
  nearest(x: number, y: number, radius: number, accept: (i: number) => boolean = () => true): number {
    let best = -1;
    let bestD = radius * radius;
    this.forEachInRect(x - radius, y - radius, x + radius, y + radius, (i) => {
      const dx = this.coords[2 * i] - x;
      const dy = this.coords[2 * i + 1] - y;
      const d = dx * dx + dy * dy;
      if (d <= bestD && (best < 0 || d < bestD || i < best) && accept(i)) {
        best = i;
        bestD = d;
      }
    });
    return best;
  }
}
