import {
  colorAt,
  FOUR_FIFTHS_BAND,
  inParityBand,
  isMetricName,
  luminance,
  metricKind,
  mixColors,
  parseColor,
  scalePosition,
  scaleSpec,
  valueAt,
} from './scale';

const palette = { below: '#ff0000', parity: '#ffffff', above: '#0000ff', uncertain: '#808080' };

describe('metric kinds', () => {
  it.each([
    ['disparate_impact', 'ratio'],
    ['predictive_parity_ratio', 'ratio'],
    ['statistical_parity_difference', 'difference'],
    ['equal_opportunity_difference', 'difference'],
    ['average_odds_difference', 'difference'],
    ['selection_rate_protected', 'rate'],
  ])('%s is a %s', (name, kind) => {
    expect(metricKind(name)).toBe(kind);
    expect(isMetricName(name)).toBe(true);
  });

  it('does not take counts or contributions for metrics', () => {
    for (const name of ['count', 'protected_count', 'contribution', 'too_small']) {
      expect(isMetricName(name)).toBe(false);
    }
  });
});

describe('the ratio scale', () => {
  const spec = scaleSpec('ratio');

  it('is centred on parity and logarithmic: 0.8 and 1.25 are equally far', () => {
    expect(scalePosition(spec, 1)).toBe(0);
    const low = scalePosition(spec, 0.8)!;
    const high = scalePosition(spec, 1.25)!;
    expect(low).toBeLessThan(0);
    expect(high).toBeCloseTo(-low, 12);
    expect(scalePosition(spec, 0.5)).toBeCloseTo(-scalePosition(spec, 2)!, 12);
  });

  it('saturates at 1/4 and 4 and treats 0 as the far end', () => {
    expect(scalePosition(spec, 4)).toBe(1);
    expect(scalePosition(spec, 100)).toBe(1);
    expect(scalePosition(spec, 0.25)).toBeCloseTo(-1, 12);
    expect(scalePosition(spec, 0)).toBe(-1);
  });

  it('gives no position to absent or meaningless values', () => {
    for (const v of [null, undefined, NaN, Infinity, -0.5]) {
      expect(scalePosition(spec, v)).toBeNull();
    }
  });

  it('inverts for the legend', () => {
    for (const v of [0.3, 0.8, 1, 1.25, 3]) {
      expect(valueAt(spec, scalePosition(spec, v)!)).toBeCloseTo(v, 12);
    }
  });

  it('marks the four-fifths band, inclusive', () => {
    expect(FOUR_FIFTHS_BAND).toEqual([0.8, 1.25]);
    expect(inParityBand(spec, 0.8)).toBe(true);
    expect(inParityBand(spec, 1.25)).toBe(true);
    expect(inParityBand(spec, 0.79)).toBe(false);
    expect(inParityBand(spec, 1.26)).toBe(false);
    expect(inParityBand(spec, null)).toBe(false);
  });
});

describe('the difference and rate scales', () => {
  it('centres differences on 0, linear, band ±0.1', () => {
    const spec = scaleSpec('difference');
    expect(scalePosition(spec, 0)).toBe(0);
    expect(scalePosition(spec, -0.25)).toBeCloseTo(-0.5, 12);
    expect(scalePosition(spec, 0.9)).toBe(1);
    expect(inParityBand(spec, -0.1)).toBe(true);
    expect(inParityBand(spec, 0.11)).toBe(false);
  });

  it('runs rates from 0 to 1 without a band', () => {
    const spec = scaleSpec('rate');
    expect(scalePosition(spec, 0.3)).toBe(0.3);
    expect(inParityBand(spec, 0.5)).toBe(false);
  });
});

describe('colours', () => {
  it('parses hex and rgb colours', () => {
    expect(parseColor('#f00')).toEqual([255, 0, 0, 1]);
    expect(parseColor('#0000ff80')).toEqual([0, 0, 255, 128 / 255]);
    expect(parseColor('rgb(1, 2, 3)')).toEqual([1, 2, 3, 1]);
    expect(parseColor('rgba(1, 2, 3, 0.5)')).toEqual([1, 2, 3, 0.5]);
    expect(() => parseColor('red')).toThrow('not a colour');
  });

  it('mixes in sRGB', () => {
    expect(mixColors('#000000', '#ffffff', 0)).toBe('#000000');
    expect(mixColors('#000000', '#ffffff', 1)).toBe('#ffffff');
    expect(mixColors('#000000', '#ffffff', 0.5)).toBe('#808080');
    expect(mixColors('#000000', '#ffffff', 7)).toBe('#ffffff');
  });

  it('is the background at parity and diverges to each side', () => {
    expect(colorAt(palette, 0)).toBe('#ffffff');
    expect(colorAt(palette, -1)).toBe('#ff0000');
    expect(colorAt(palette, 1)).toBe('#0000ff');
    expect(colorAt(palette, -0.5)).toBe('#ff8080');
    expect(colorAt(palette, null)).toBeUndefined();
  });

  it('colours 0.8 and 1.25 with the same strength on either side', () => {
    const spec = scaleSpec('ratio');
    const low = parseColor(colorAt(palette, scalePosition(spec, 0.8))!);
    const high = parseColor(colorAt(palette, scalePosition(spec, 1.25))!);
    // Red keeps its red channel and loses green and blue; blue the other way round, by the same amount.
    expect(low[1]).toBe(high[1]);
    expect(low[2]).toBe(high[0]);
  });

  it('computes relative luminance', () => {
    expect(luminance('#ffffff')).toBeCloseTo(1, 6);
    expect(luminance('#000000')).toBe(0);
  });
});
