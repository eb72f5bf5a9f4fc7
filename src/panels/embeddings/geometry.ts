/** Plane geometry of the scatter: lasso hit-testing and cluster outlines, in layout coordinates. */

export type Point = readonly [number, number];

/**
 * Whether (x, y) lies inside the polygon (even–odd rule, any simple polygon, concave ones too). The polygon's
 * vertices are x0, y0, x1, y1, …; it is closed implicitly.
 */
export function pointInPolygon(x: number, y: number, polygon: ArrayLike<number>): boolean {
  const count = polygon.length >> 1;
  let inside = false;
  for (let i = 0, j = count - 1; i < count; j = i++) {
    const xi = polygon[2 * i];
    const yi = polygon[2 * i + 1];
    const xj = polygon[2 * j];
    const yj = polygon[2 * j + 1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) {
      inside = !inside;
    }
  }
  return inside;
}

/** Bounding box of a flat coordinate list: [minX, minY, maxX, maxY]. */
export function bounds(coords: ArrayLike<number>): [number, number, number, number] {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i + 1 < coords.length; i += 2) {
    minX = Math.min(minX, coords[i]);
    maxX = Math.max(maxX, coords[i]);
    minY = Math.min(minY, coords[i + 1]);
    maxY = Math.max(maxY, coords[i + 1]);
  }
  return [minX, minY, maxX, maxY];
}

/**
 * The indices of the points (x, y at coords[2i], coords[2i+1]) inside the polygon, restricted to the points
 * `visible` accepts; the polygon's bounding box rules most points out cheaply.
 */
export function pointsInPolygon(
  coords: ArrayLike<number>,
  polygon: ArrayLike<number>,
  visible: (i: number) => boolean = () => true
): number[] {
  if (polygon.length < 6) {
    return [];
  }
  const [minX, minY, maxX, maxY] = bounds(polygon);
  const out: number[] = [];
  for (let i = 0; 2 * i + 1 < coords.length; i++) {
    const x = coords[2 * i];
    const y = coords[2 * i + 1];
    if (x < minX || x > maxX || y < minY || y > maxY || !visible(i)) {
      continue;
    }
    if (pointInPolygon(x, y, polygon)) {
      out.push(i);
    }
  }
  return out;
}

function cross(o: Point, a: Point, b: Point): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/** The convex hull of the points (Andrew's monotone chain), counter-clockwise, without collinear points. */
export function convexHull(points: readonly Point[]): Point[] {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (sorted.length <= 2) {
    return sorted;
  }
  const lower: Point[] = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) {
      lower.pop();
    }
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) {
      upper.pop();
    }
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

/**
 * Whether (x, y) lies inside or on the boundary of a convex polygon given counter-clockwise (as convexHull
 * returns it), with a tolerance for points on an edge.
 */
export function inConvexHull(x: number, y: number, hull: readonly Point[], epsilon = 1e-9): boolean {
  if (hull.length === 0) {
    return false;
  }
  if (hull.length === 1) {
    return Math.hypot(x - hull[0][0], y - hull[0][1]) <= epsilon;
  }
  if (hull.length === 2) {
    const [a, b] = hull;
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const t = ((x - a[0]) * (b[0] - a[0]) + (y - a[1]) * (b[1] - a[1])) / (len * len);
    return Math.abs(cross(a, b, [x, y])) / len <= epsilon && t >= -epsilon && t <= 1 + epsilon;
  }
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i];
    const b = hull[(i + 1) % hull.length];
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (cross(a, b, [x, y]) / len < -epsilon) {
      return false;
    }
  }
  return true;
}
