import { categoricalColors, type ColorTheme, gradient, pointColors, TIME_STEPS, timeColors } from './colors';
import type { EmbeddingsModel } from './frame';

const theme: ColorTheme = {
  palette: ['#111111', '#222222', '#333333'],
  muted: '#999999',
  current: '#0000ff',
  timeFrom: '#000000',
  timeTo: '#ff8040',
};

describe('categorical colours', () => {
  it('colours values in sorted order, whatever order the points come in', () => {
    const a = categoricalColors(['v2', 'v1', 'v10', 'v2'], theme);
    const b = categoricalColors(['v10', 'v2', 'v1'], theme);
    const colorOf = (c: typeof a, values: string[], v: string) => c.colors[c.colorIndex[values.indexOf(v)]];
    for (const v of ['v1', 'v2', 'v10']) {
      expect(colorOf(a, ['v2', 'v1', 'v10', 'v2'], v)).toBe(colorOf(b, ['v10', 'v2', 'v1'], v));
    }
    // Numbers inside values sort numerically: v1, v2, v10.
    expect(a.legend).toEqual([
      { label: 'v1', color: '#111111' },
      { label: 'v2', color: '#222222' },
      { label: 'v10', color: '#333333' },
    ]);
  });

  it('gives missing values the muted colour and cycles the palette', () => {
    const c = categoricalColors(['', 'a', 'b', 'c', 'd'], theme, 'unknown');
    expect(c.legend[0]).toEqual({ label: 'unknown', color: '#999999' });
    expect(c.legend.map((l) => l.color)).toEqual(['#999999', '#111111', '#222222', '#333333', '#111111']);
    expect(Array.from(c.colorIndex)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('time gradient', () => {
  it('interpolates in RGB and clamps', () => {
    expect(gradient('#000000', '#ff8040', 0)).toBe('#000000');
    expect(gradient('#000000', '#ff8040', 1)).toBe('#ff8040');
    expect(gradient('#000000', '#ff8040', 0.5)).toBe('#804020');
    expect(gradient('#000', '#fff', 2)).toBe('#ffffff');
    expect(gradient('#000', '#fff', NaN)).toBe('#000000');
  });

  it('puts the oldest point at the start, the newest at the end, missing times muted', () => {
    const times = Float64Array.from([1000, 2000, 1500, NaN]);
    const c = timeColors(times, theme);
    expect(c.colors).toHaveLength(TIME_STEPS + 1);
    expect(c.colors[c.colorIndex[0]]).toBe('#000000');
    expect(c.colors[c.colorIndex[1]]).toBe('#ff8040');
    expect(c.colorIndex[2]).toBe(TIME_STEPS / 2);
    expect(c.colors[c.colorIndex[3]]).toBe('#999999');
    expect(c.legend.map((l) => l.label)).toEqual(['1970-01-01 00:00', '1970-01-01 00:00']);
  });

  it('gives every point the start colour when all times are equal', () => {
    const c = timeColors(Float64Array.from([5, 5]), theme);
    expect(Array.from(c.colorIndex)).toEqual([0, 0]);
  });
});

describe('colour by', () => {
  const model = {
    n: 3,
    isCurrent: Uint8Array.from([0, 1, 1]),
    environments: ['training', 'production', 'production'],
    versions: ['v1', 'v1', 'v2'],
    predictions: ['positive', 'negative', 'positive'],
    actuals: ['positive', '', ''],
    clusters: ['', '1', ''],
    times: Float64Array.from([0, 1, 2]),
  } as unknown as EmbeddingsModel;

  it('colours reference and current by set', () => {
    const c = pointColors(model, 'set', theme);
    // Reference last, so it is drawn on top.
    expect(c.colors).toEqual(['#0000ff', '#999999']);
    expect(Array.from(c.colorIndex)).toEqual([1, 0, 0]);
    expect(c.legend).toEqual([
      { label: 'reference', color: '#999999' },
      { label: 'current', color: '#0000ff' },
    ]);
  });

  it.each([
    ['environment', ['production', 'training']],
    ['version', ['v1', 'v2']],
    ['prediction', ['negative', 'positive']],
    ['actual', ['unknown', 'positive']],
    ['cluster', ['no new cluster', '#1']],
  ] as const)('colours by %s', (by, labels) => {
    expect(pointColors(model, by, theme).legend.map((l) => l.label)).toEqual(labels);
  });
});
