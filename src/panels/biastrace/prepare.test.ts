import { createDataFrame, FieldType } from '@grafana/data';

import { bucketTitle, featureLabel, prepareBiasTrace } from './prepare';

function traceFrame(extra: { pairs?: boolean; metric?: string } = {}) {
  const fields = [
    {
      name: 'feature',
      type: FieldType.string,
      values: ['features.region', 'tags.channel', 'features.region', 'features.region'],
    },
    { name: 'value', type: FieldType.string, values: ['south', 'app', 'north', 'central'] },
    ...(extra.pairs
      ? [
          { name: 'feature2', type: FieldType.string, values: ['', 'features.region', '', ''] },
          { name: 'value2', type: FieldType.string, values: ['', 'east', '', ''] },
        ]
      : []),
    { name: 'count', type: FieldType.number, values: [2491, 800, 1700, 12] },
    { name: 'protected_count', type: FieldType.number, values: [1215, 400, 850, 6] },
    { name: 'reference_count', type: FieldType.number, values: [1276, 400, 850, 6] },
    { name: 'disparate_impact', type: FieldType.number, values: [0.3, 0.63, null, 0.9] },
    ...(extra.metric ? [{ name: extra.metric, type: FieldType.number, values: [-0.4, -0.2, 0.05, 0] }] : []),
    { name: 'contribution', type: FieldType.number, values: [0.25, 0.05, -0.1, 0.01] },
    { name: 'too_small', type: FieldType.boolean, values: [false, false, false, true] },
  ];
  return createDataFrame({ name: 'bias trace', fields, meta: { custom: { disparateImpact: 0.69, records: 7046 } } });
}

const day = 24 * 3600 * 1000;
const t0 = Date.UTC(2026, 10, 1);

function overTimeFrame() {
  return createDataFrame({
    name: 'bias trace over time',
    fields: [
      { name: 'time', type: FieldType.time, values: [t0, t0 + day, t0 + 2 * day, t0, t0 + 2 * day] },
      {
        name: 'feature',
        type: FieldType.string,
        values: ['features.region', 'features.region', 'features.region', 'tags.channel', 'tags.channel'],
      },
      { name: 'value', type: FieldType.string, values: ['south', 'south', 'south', 'app', 'app'] },
      { name: 'count', type: FieldType.number, values: [40, 52, 39, 20, 22] },
      { name: 'disparate_impact', type: FieldType.number, values: [0.15, 0.27, 0.5, 0.7, null] },
      { name: 'contribution', type: FieldType.number, values: [0, 0.29, -0.1, 0.05, null] },
    ],
  });
}

describe('prepareBiasTrace', () => {
  it('keeps the backend ranking and numbers the ranked segments only', () => {
    const r = prepareBiasTrace([traceFrame()]);
    if (!r.ok) {
      throw new Error(r.message);
    }
    const { rows, columns } = r.model;
    expect(rows.map((row) => row.label)).toEqual([
      'region=south',
      'tags.channel=app',
      'region=north',
      'region=central',
    ]);
    expect(rows.map((row) => row.rank)).toEqual([1, 2, 3, null]);
    expect(rows[3].tooSmall).toBe(true);
    expect(rows[0].variableValue).toBe('south');
    expect(rows[0].variableFeature).toBe('features.region');
    expect(columns.map((c) => c.metric)).toEqual(['disparate_impact']);
    expect(rows[0].cells).toEqual([{ value: 0.3, count: 2491 }]);
    expect(rows[2].cells).toEqual([{ value: null, count: 1700 }]);
    expect(r.model.overall).toBe(0.69);
    expect(r.model.records).toBe(7046);
    expect(r.model.maxCount).toBe(2491);
    expect(r.model.maxContribution).toBe(0.25);
  });

  it('shows every metric column in metrics mode', () => {
    const r = prepareBiasTrace([traceFrame({ metric: 'statistical_parity_difference' })], 'metrics');
    expect(r.ok && r.model.columns.map((c) => [c.metric, c.kind])).toEqual([
      ['disparate_impact', 'ratio'],
      ['statistical_parity_difference', 'difference'],
    ]);
    expect(r.ok && r.model.metric).toBe('statistical_parity_difference');
  });

  it('labels pairs and joins their values for the variable', () => {
    const r = prepareBiasTrace([traceFrame({ pairs: true })]);
    expect(r.ok && r.model.rows[1].label).toBe('tags.channel=app, region=east');
    expect(r.ok && r.model.rows[1].variableValue).toBe('app & east');
    expect(r.ok && r.model.rows[0].label).toBe('region=south');
  });

  it('pivots the per-bucket table into one column per bucket', () => {
    const r = prepareBiasTrace([traceFrame(), overTimeFrame()]);
    if (!r.ok) {
      throw new Error(r.message);
    }
    const { rows, columns } = r.model;
    expect(columns.map((c) => c.title)).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    expect(columns.map((c) => c.short)).toEqual(['11-01', '11-02', '11-03']);
    expect(columns.every((c) => c.metric === 'disparate_impact' && c.kind === 'ratio')).toBe(true);
    expect(rows[0].cells.map((c) => c.value)).toEqual([0.15, 0.27, 0.5]);
    expect(rows[0].cells.map((c) => c.count)).toEqual([40, 52, 39]);
    // No record in a bucket: an empty cell, not zero.
    expect(rows[1].cells).toEqual([
      { value: 0.7, count: 20 },
      { value: null, count: null },
      { value: null, count: 22 },
    ]);
    expect(rows[2].cells.every((c) => c.value === null && c.count === null)).toBe(true);
  });

  it('can still show metrics when the answer is over time', () => {
    const r = prepareBiasTrace([traceFrame(), overTimeFrame()], 'metrics');
    expect(r.ok && r.model.columns.map((c) => c.key)).toEqual(['disparate_impact']);
  });

  it('explains what it needs', () => {
    const other = createDataFrame({ fields: [{ name: 'time', type: FieldType.time, values: [1] }] });
    const none = prepareBiasTrace([other]);
    expect(!none.ok && none.message).toContain('biasTrace');
    const noTime = prepareBiasTrace([traceFrame()], 'time');
    expect(!noTime.ok && noTime.message).toContain('overTime');
  });

  it('formats names and bucket titles', () => {
    expect(featureLabel('features.region')).toBe('region');
    expect(featureLabel('tags.channel')).toBe('tags.channel');
    expect(bucketTitle(t0, day)).toBe('2026-11-01');
    expect(bucketTitle(t0 + 3600 * 1000, 3600 * 1000)).toBe('2026-11-01 01:00');
    expect(bucketTitle(t0 + 3600 * 1000, 3600 * 1000, true)).toBe('11-01 01:00');
  });
});
