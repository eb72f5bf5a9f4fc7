import { bounds, convexHull, inConvexHull, pointInPolygon, pointsInPolygon, type Point } from './geometry';

describe('lasso hit-testing', () => {
  const square = [0, 0, 10, 0, 10, 10, 0, 10];
  // A concave "U": the notch (4..6, 3..10) is outside.
  const u = [0, 0, 10, 0, 10, 10, 6, 10, 6, 3, 4, 3, 4, 10, 0, 10];

  it.each([
    [5, 5, true],
    [0.001, 9.999, true],
    [-1, 5, false],
    [11, 5, false],
    [5, 10.5, false],
  ])('square: (%p, %p) inside is %p', (x, y, inside) => {
    expect(pointInPolygon(x, y, square)).toBe(inside);
  });

  it.each([
    [2, 8, true],
    [8, 8, true],
    [5, 1, true],
    [5, 5, false],
    [5, 9.9, false],
    [4.5, 2.9, true],
  ])('concave U: (%p, %p) inside is %p', (x, y, inside) => {
    expect(pointInPolygon(x, y, u)).toBe(inside);
  });

  it('works for either winding', () => {
    const reversed: number[] = [];
    for (let i = u.length - 2; i >= 0; i -= 2) {
      reversed.push(u[i], u[i + 1]);
    }
    for (const [x, y] of [
      [2, 8],
      [5, 5],
      [5, 1],
    ]) {
      expect(pointInPolygon(x, y, reversed)).toBe(pointInPolygon(x, y, u));
    }
  });

  it('selects the points inside, honouring the visibility filter', () => {
    const coords = Float32Array.from([2, 8, 5, 5, 8, 8, 20, 20, 5, 1]);
    expect(pointsInPolygon(coords, u)).toEqual([0, 2, 4]);
    expect(pointsInPolygon(coords, u, (i) => i !== 2)).toEqual([0, 4]);
    // A polygon of fewer than three vertices selects nothing.
    expect(pointsInPolygon(coords, [0, 0, 10, 10])).toEqual([]);
  });

  it('computes bounds', () => {
    expect(bounds([1, 2, -3, 4, 5, -6])).toEqual([-3, -6, 5, 4]);
  });
});

describe('convex hull', () => {
  it('keeps the extreme points, counter-clockwise, dropping inner and collinear ones', () => {
    const points: Point[] = [
      [0, 0],
      [2, 0],
      [1, 0],
      [2, 2],
      [0, 2],
      [1, 1],
      [0.5, 1.5],
    ];
    expect(convexHull(points)).toEqual([
      [0, 0],
      [2, 0],
      [2, 2],
      [0, 2],
    ]);
  });

  it('contains every input point (boundary included) and nothing far outside', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const points: Point[] = Array.from({ length: 200 }, () => [random() * 10, random() * 5]);
    const hull = convexHull(points);
    expect(points.every(([x, y]) => inConvexHull(x, y, hull))).toBe(true);
    expect(inConvexHull(11, 2, hull)).toBe(false);
    expect(inConvexHull(5, -1, hull)).toBe(false);
  });

  it('handles degenerate inputs', () => {
    expect(convexHull([])).toEqual([]);
    expect(convexHull([[1, 1]])).toEqual([[1, 1]]);
    const segment = convexHull([
      [0, 0],
      [2, 2],
      [1, 1],
    ]);
    expect(segment).toEqual([
      [0, 0],
      [2, 2],
    ]);
    expect(inConvexHull(1, 1, segment)).toBe(true);
    expect(inConvexHull(1, 1.5, segment)).toBe(false);
    expect(inConvexHull(1, 1, [[1, 1]])).toBe(true);
    expect(inConvexHull(1, 1, [])).toBe(false);
  });
});
