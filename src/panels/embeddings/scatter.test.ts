import { fitView, panBy, pointStamp, rgbaWord, toLayout, toScreenX, toScreenY, zoomAt } from './scatter';

describe('scatter view', () => {
  it('fits the bounds with padding and maps back and forth', () => {
    const view = fitView([-10, -5, 10, 5], 432, 232);
    expect(view.scale).toBeCloseTo(20);
    expect(toScreenX(view, 432, -10)).toBeCloseTo(16);
    expect(toScreenY(view, 232, 5)).toBeCloseTo(16);
    expect(toLayout(view, 432, 232, toScreenX(view, 432, 3), toScreenY(view, 232, -2))).toEqual([
      expect.closeTo(3),
      expect.closeTo(-2),
    ]);
  });

  it('zooms around the cursor and pans by screen pixels', () => {
    const view = { cx: 0, cy: 0, scale: 10 };
    const zoomed = zoomAt(view, 200, 100, 150, 20, 2);
    expect(zoomed.scale).toBe(20);
    // The layout point under the cursor stays under it.
    expect(toLayout(zoomed, 200, 100, 150, 20)).toEqual(toLayout(view, 200, 100, 150, 20));
    const panned = panBy(view, 30, -20);
    expect(toScreenX(panned, 200, 0)).toBeCloseTo(toScreenX(view, 200, 0) + 30);
    expect(toScreenY(panned, 100, 0)).toBeCloseTo(toScreenY(view, 100, 0) - 20);
  });
});

describe('point pixels', () => {
  it('reads CSS colours as little-endian RGBA words', () => {
    expect(rgbaWord('#ff8000')).toBe(0xff0080ff);
    expect(rgbaWord('#f80')).toBe(0xff0088ff);
    expect(rgbaWord('#11223380')).toBe(0x80332211);
    expect(rgbaWord('rgb(1, 2, 3)')).toBe(0xff030201);
    expect(rgbaWord('rgba(1, 2, 3, 0.5)')).toBe(0x80030201);
    expect(rgbaWord('nonsense')).toBe(0xff808080);
  });

  it('stamps squares for small points and discs for larger ones', () => {
    expect(pointStamp(1)).toEqual([[0, 0]]);
    expect(pointStamp(3)).toHaveLength(9);
    const disc = pointStamp(7);
    expect(disc.length).toBeGreaterThan(30);
    expect(disc.length).toBeLessThan(49);
    expect(disc).toContainEqual([0, 0]);
    expect(disc).not.toContainEqual([-3, -3]);
  });
});
