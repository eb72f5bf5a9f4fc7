import { clusterHull, clusterHulls, clusterOutlines, connectedGroups, selectedIndices, selectionOf } from './clusters';
import type { NovelCluster } from './frame';
import { inConvexHull } from './geometry';

const cluster = (id: string, members: number[]): NovelCluster => ({
  id,
  size: members.length,
  share: null,
  examples: [],
  members,
});

describe('new-cluster outlines', () => {
  // Points 0–4 form a square with its centre; 5 and 6 are far away.
  const coords = Float32Array.from([0, 0, 4, 0, 4, 4, 0, 4, 2, 2, 50, 50, 60, 50]);

  it('outlines a cluster by the convex hull of its own points', () => {
    const hull = clusterHull(coords, [0, 1, 2, 3, 4]);
    expect(hull).toEqual([
      [0, 0],
      [4, 0],
      [4, 4],
      [0, 4],
    ]);
    for (let i = 0; i < 5; i++) {
      expect(inConvexHull(coords[2 * i], coords[2 * i + 1], hull)).toBe(true);
    }
    expect(inConvexHull(50, 50, hull)).toBe(false);
  });

  it('outlines only clusters with points in the sample', () => {
    const outlines = clusterOutlines(coords, [cluster('1', [0, 1, 2, 3, 4]), cluster('2', []), cluster('3', [5, 6])]);
    expect(outlines.map((o) => o.cluster.id)).toEqual(['1', '3']);
    expect(outlines[1].hulls).toEqual([
      [
        [50, 50],
        [60, 50],
      ],
    ]);
  });

  /** n points on a small circle around (cx, cy), as layout coordinates appended to out. */
  const blob = (out: number[], cx: number, cy: number, n: number) => {
    for (let k = 0; k < n; k++) {
      out.push(cx + Math.cos((2 * Math.PI * k) / n), cy + Math.sin((2 * Math.PI * k) / n));
    }
  };

  it('outlines a cluster the layout splits into two blobs by one hull per blob, never a band between them', () => {
    const xy: number[] = [];
    blob(xy, 0, 0, 20);
    blob(xy, 30, 0, 12);
    blob(xy, 15, 0, 6); // another cluster's points in the gap
    const coords = Float32Array.from(xy);
    const members = Array.from({ length: 32 }, (_, k) => k);

    const [outline] = clusterOutlines(coords, [cluster('1', members)]);
    expect(outline.hulls).toHaveLength(2);
    // Largest blob first; each hull holds its own blob's points and not the other's.
    for (let k = 0; k < 20; k++) {
      expect(inConvexHull(coords[2 * k], coords[2 * k + 1], outline.hulls[0])).toBe(true);
      expect(inConvexHull(coords[2 * k], coords[2 * k + 1], outline.hulls[1])).toBe(false);
    }
    for (let k = 20; k < 32; k++) {
      expect(inConvexHull(coords[2 * k], coords[2 * k + 1], outline.hulls[1])).toBe(true);
    }
    // The gap between the blobs (and the points of the other cluster there) is outside every hull.
    for (let k = 32; k < 38; k++) {
      expect(outline.hulls.some((hull) => inConvexHull(coords[2 * k], coords[2 * k + 1], hull))).toBe(false);
    }
    // One convex hull of all members would have run across the gap.
    expect(inConvexHull(15, 0, clusterHull(coords, members))).toBe(true);
  });

  it('keeps one hull for one blob and leaves a stray point out', () => {
    const xy: number[] = [];
    blob(xy, 0, 0, 40);
    xy.push(100, 100);
    const coords = Float32Array.from(xy);
    const groups = connectedGroups(
      coords,
      Array.from({ length: 41 }, (_, k) => k)
    );
    expect(groups.map((g) => g.length)).toEqual([40, 1]);
    const hulls = clusterHulls(
      coords,
      Array.from({ length: 41 }, (_, k) => k)
    );
    expect(hulls).toHaveLength(1);
    expect(inConvexHull(100, 100, hulls[0])).toBe(false);
  });
});

describe('selection of a cluster', () => {
  it('selects exactly the cluster’s members', () => {
    const mask = selectionOf(8, [6, 1, 3, 1, 99, -1]);
    expect(Array.from(mask)).toEqual([0, 1, 0, 1, 0, 0, 1, 0]);
    expect(selectedIndices(mask)).toEqual([1, 3, 6]);
    expect(selectedIndices(selectionOf(3, []))).toEqual([]);
  });
});
