import React from 'react';
import { createDataFrame, type DataFrame, FieldType } from '@grafana/data';
import { fireEvent, render, screen } from '@testing-library/react';

import { panelProps } from '../../test/panelProps';
import { BiasTracePanel } from './BiasTracePanel';
import { prepareBiasTrace } from './prepare';
import { scalePosition, scaleSpec } from './scale';
import { DEFAULT_OPTIONS } from './types';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  locationService: { partial: jest.fn() },
}));

/** A bias trace answered with "confidence": 0.95: each segment's disparate impact interval. */
function boundedFrame(): DataFrame {
  return createDataFrame({
    name: 'bias trace',
    fields: [
      { name: 'feature', type: FieldType.string, values: ['features.region', 'tags.channel', 'features.region'] },
      { name: 'value', type: FieldType.string, values: ['south', 'app', 'east'] },
      { name: 'count', type: FieldType.number, values: [4125, 3567, 2575] },
      { name: 'protected_count', type: FieldType.number, values: [2060, 1780, 1290] },
      { name: 'reference_count', type: FieldType.number, values: [2065, 1787, 1285] },
      { name: 'disparate_impact', type: FieldType.number, values: [0.42, 0.93, 0.7] },
      { name: 'disparate_impact_lower', type: FieldType.number, values: [0.38, 0.85, null] },
      { name: 'disparate_impact_upper', type: FieldType.number, values: [0.47, 1.02, null] },
      { name: 'contribution', type: FieldType.number, values: [0.3, 0.01, -0.02] },
      { name: 'too_small', type: FieldType.boolean, values: [false, false, false] },
    ],
    meta: { custom: { disparateImpact: 0.69, records: 10267, confidence: 0.95 } },
  });
}

const day = 24 * 3600 * 1000;
const t0 = Date.UTC(2026, 10, 1);

function boundedOverTime(): DataFrame {
  return createDataFrame({
    name: 'bias trace over time',
    fields: [
      { name: 'time', type: FieldType.time, values: [t0, t0 + day, t0] },
      { name: 'feature', type: FieldType.string, values: ['features.region', 'features.region', 'tags.channel'] },
      { name: 'value', type: FieldType.string, values: ['south', 'south', 'app'] },
      { name: 'count', type: FieldType.number, values: [2000, 2125, 3567] },
      { name: 'disparate_impact', type: FieldType.number, values: [0.4, 0.9, 0.93] },
      { name: 'disparate_impact_lower', type: FieldType.number, values: [0.33, 0.8, 0.85] },
      { name: 'disparate_impact_upper', type: FieldType.number, values: [0.48, 1.05, 1.02] },
      { name: 'contribution', type: FieldType.number, values: [0.3, 0.1, 0.01] },
    ],
  });
}

/** The performanceTrace column contract: feature, value, count, metric, contribution, too_small; ranked. */
function performanceFrame(metric: string, overall: number, values: number[], higherIsBetter: boolean): DataFrame {
  return createDataFrame({
    name: 'performance trace',
    fields: [
      {
        name: 'feature',
        type: FieldType.string,
        values: ['features.region', 'features.courier_type', 'features.weather', 'features.region'],
      },
      { name: 'value', type: FieldType.string, values: ['central', 'bike', 'snow', 'north'] },
      { name: 'count', type: FieldType.number, values: [900, 2400, 300, 12] },
      { name: 'metric', type: FieldType.number, values },
      { name: 'contribution', type: FieldType.number, values: [0.04, 0.02, -0.01, 0.05] },
      { name: 'too_small', type: FieldType.boolean, values: [false, false, false, true] },
    ],
    meta: { custom: { metric, overall, higherIsBetter, records: 5000, recordsWithActuals: 4000 } },
  });
}

function renderPanel(series: DataFrame[]) {
  const props = panelProps({
    id: 3,
    title: 'Trace',
    series,
    options: { ...DEFAULT_OPTIONS },
    width: 900,
    height: 400,
    replaceVariables: (s: string) => s,
  });
  return render(<BiasTracePanel {...props} />);
}

const rows = () => screen.getAllByTestId('biastrace-row');

describe('confidence intervals in the bias trace', () => {
  it('reads each segment’s interval and flags those that contain 1', () => {
    const r = prepareBiasTrace([boundedFrame()]);
    if (!r.ok) {
      throw new Error(r.message);
    }
    expect(r.model.confidence).toBe(0.95);
    expect(r.model.rows.map((row) => [row.lower, row.upper, row.uncertain])).toEqual([
      [0.38, 0.47, false],
      [0.85, 1.02, true],
      [null, null, false],
    ]);
    expect(r.model.rows[1].cells[0].uncertain).toBe(true);
    // The bounds are not metric columns.
    expect(r.model.columns.map((c) => c.metric)).toEqual(['disparate_impact']);
  });

  it('greys per bucket over time, from each bucket’s interval', () => {
    const r = prepareBiasTrace([boundedFrame(), boundedOverTime()]);
    if (!r.ok) {
      throw new Error(r.message);
    }
    expect(r.model.rows[0].cells.map((c) => c.uncertain)).toEqual([false, true]);
    expect(r.model.rows[1].cells.map((c) => c.uncertain)).toEqual([true, undefined]);
  });

  it('greys the segment, says why in the header and gives the interval in the tooltip', () => {
    renderPanel([boundedFrame()]);
    expect(rows().map((row) => row.getAttribute('data-uncertain'))).toEqual([null, 'true', null]);
    const cells = rows().map((row) => row.querySelector('[role="gridcell"][data-uncertain]'));
    expect(cells.map((c) => c !== null)).toEqual([false, true, false]);
    expect(screen.getByText(/grey: the 95% interval contains 1/)).toBeInTheDocument();

    fireEvent.mouseEnter(rows()[1]);
    const tip = screen.getByRole('tooltip');
    expect(tip).toHaveTextContent('Disparate impact 0.93, 95% interval 0.85–1.02');
    expect(tip).toHaveTextContent('The interval contains 1 (parity): this disparity may be chance');
    fireEvent.mouseLeave(rows()[1]);

    fireEvent.mouseEnter(rows()[0]);
    expect(screen.getByRole('tooltip')).toHaveTextContent('Disparate impact 0.42, 95% interval 0.38–0.47');
    expect(screen.getByRole('tooltip')).not.toHaveTextContent('may be chance');
    fireEvent.mouseLeave(rows()[0]);

    fireEvent.mouseEnter(rows()[2]);
    expect(screen.getByRole('tooltip')).toHaveTextContent('no 95% interval');
  });

  it('gives a bucket’s interval in its cell’s tooltip', () => {
    renderPanel([boundedFrame(), boundedOverTime()]);
    const cell = rows()[0].querySelectorAll('[role="gridcell"]')[4];
    fireEvent.mouseEnter(cell);
    expect(screen.getByRole('tooltip')).toHaveTextContent('Disparate impact in this bucket: 95% interval 0.8–1.05');
  });

  it('keeps each count beside its bar, never over it', () => {
    renderPanel([boundedFrame()]);
    for (const row of rows()) {
      const bar = row.querySelector('[data-testid="biastrace-count-bar"]')!;
      const text = row.querySelector('[data-testid="biastrace-count"]')!;
      // The bar lives in its own track; the count is a sibling of the track, not drawn over the bar.
      expect(bar.parentElement!.contains(text)).toBe(false);
      expect(bar.parentElement!.parentElement).toBe(text.parentElement);
    }
    expect(screen.getByText('4,125')).toBeInTheDocument();
  });
});

describe('performance traces', () => {
  it('reads the performanceTrace table: one metric column centred on the overall value', () => {
    const r = prepareBiasTrace([performanceFrame('accuracy', 0.86, [0.71, 0.8, 0.9, 0.5], true)]);
    if (!r.ok) {
      throw new Error(r.message);
    }
    const { model } = r;
    expect(model.trace).toBe('performance');
    expect(model.traceMetric).toBe('accuracy');
    expect(model.overall).toBe(0.86);
    expect(model.records).toBe(4000);
    expect(model.columns).toHaveLength(1);
    expect(model.columns[0]).toMatchObject({ metric: 'accuracy', kind: 'higherBetter' });
    expect(model.columns[0].spec.parity).toBe(0.86);
    expect(model.rows.map((row) => [row.label, row.rank, row.cells[0].value])).toEqual([
      ['region=central', 1, 0.71],
      ['courier_type=bike', 2, 0.8],
      ['weather=snow', 3, 0.9],
      ['region=north', null, 0.5],
    ]);
    // Worse than overall is below the centre, better above.
    const spec = model.columns[0].spec;
    expect(scalePosition(spec, 0.71)!).toBeLessThan(0);
    expect(scalePosition(spec, 0.9)!).toBeGreaterThan(0);
    expect(scalePosition(spec, 0.86)).toBe(0);
  });

  it('turns the direction round for lower-better metrics', () => {
    const r = prepareBiasTrace([performanceFrame('rmse', 10, [14, 12, 8, 30], false)]);
    if (!r.ok) {
      throw new Error(r.message);
    }
    const spec = r.model.columns[0].spec;
    expect(r.model.columns[0].kind).toBe('lowerBetter');
    expect(scalePosition(spec, 14)!).toBeLessThan(0);
    expect(scalePosition(spec, 8)!).toBeGreaterThan(0);
    expect(scalePosition(spec, 20)).toBeCloseTo(-1);
    expect(scalePosition(spec, 5)).toBeCloseTo(1);
    expect(scalePosition(spec, 10)).toBeCloseTo(0);
  });

  it('knows each performance metric’s direction', () => {
    for (const m of ['accuracy', 'precision', 'recall', 'f1', 'auc', 'r2']) {
      const r = prepareBiasTrace([performanceFrame(m, 0.5, [0.4, 0.5, 0.6, 0.5], true)]);
      expect(r.ok && r.model.columns[0].kind).toBe('higherBetter');
    }
    for (const m of ['log_loss', 'rmse', 'mae', 'mape']) {
      const r = prepareBiasTrace([performanceFrame(m, 0.5, [0.4, 0.5, 0.6, 0.5], false)]);
      expect(r.ok && r.model.columns[0].kind).toBe('lowerBetter');
    }
    expect(scaleSpec('higherBetter', 0.8).parity).toBe(0.8);
  });

  it('renders the trace with the metric’s words, better and worse', () => {
    renderPanel([performanceFrame('accuracy', 0.86, [0.71, 0.8, 0.9, 0.5], true)]);
    expect(screen.getByText(/accuracy overall 0.86/)).toBeInTheDocument();
    expect(screen.getByRole('grid')).toHaveAttribute('aria-label', 'Segments ranked by contribution to accuracy');
    expect(screen.getByText('worse')).toBeInTheDocument();
    expect(screen.getByText('better')).toBeInTheDocument();
    const cell = rows()[0].querySelectorAll('[role="gridcell"]')[3];
    fireEvent.mouseEnter(cell);
    const tip = screen.getByRole('tooltip');
    expect(tip).toHaveTextContent('accuracy 0.71 (worse than 0.86 overall)');
    expect(tip).toHaveTextContent('Contribution +0.04: removing it would improve accuracy');
    expect(tip).not.toHaveTextContent('protected');
  });

  it('has no time columns', () => {
    const r = prepareBiasTrace([performanceFrame('accuracy', 0.86, [0.71, 0.8, 0.9, 0.5], true)], 'time');
    expect(r.ok).toBe(false);
  });
});
