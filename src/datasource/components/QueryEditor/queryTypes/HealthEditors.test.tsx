import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { giveElementsASize, openOptions, pick } from '../../../../test/combobox';
import { fakeTemplateSrv } from '../../../../test/fakeTemplateSrv';
import { renderQueryEditor } from '../../../../test/renderQueryEditor';
import { queryProblems } from '../../../validate';
import { withQueryType } from '../../../queryOptions';
import type { VigilQuery } from '../../../types';

const templateSrv = fakeTemplateSrv({ feature: ['age', 'income'] });

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

giveElementsASize();

const model = 'credit-risk';

async function loaded() {
  await waitFor(() => expect(screen.getByLabelText(/^Versions/)).toHaveAttribute('placeholder', 'every version'));
}

describe('dataQuality', () => {
  const dq: VigilQuery = { refId: 'A', queryType: 'dataQuality', model, metric: 'missing_rate' };

  it('offers the data-quality metrics and shows the reference only for the two rates', async () => {
    const { lastQuery } = renderQueryEditor(dq);
    await loaded();
    expect(await openOptions(/^Metric/)).toEqual([
      'Missing rate',
      'New-category rate',
      'Out-of-range rate',
      'Mean',
      'Standard deviation',
      'Minimum',
      '5th percentile',
      '25th percentile',
      'Median',
      '75th percentile',
      '95th percentile',
      'Maximum',
      'Distinct values',
    ]);
    expect(screen.queryByText('Compare with')).not.toBeInTheDocument();
    await userEvent.keyboard('{Escape}');
    await pick(/^Metric/, 'Out-of-range rate');
    expect(lastQuery().metric).toBe('out_of_range_rate');
  });

  it('stores the chosen fields', async () => {
    const { lastQuery } = renderQueryEditor(dq);
    await loaded();
    await pick(/^Fields/, 'features.income');
    expect(lastQuery().features).toEqual(['features.income']);
  });

  it('flags a rolling reference at the field', () => {
    expect(queryProblems({ ...dq, reference: { type: 'rolling', window: '7d' } })['reference.type']).toMatch(
      /fixed reference/
    );
    expect(queryProblems({ ...dq, features: ['features.'] }).features).toBeDefined();
    expect(queryProblems({ ...dq, reference: { type: 'environment', environment: 'training' } })).toEqual({});
  });
});

describe('estimatedPerformance', () => {
  const est: VigilQuery = { refId: 'A', queryType: 'estimatedPerformance', model, metric: 'accuracy' };

  it('offers the estimated metrics only', async () => {
    renderQueryEditor(est);
    await loaded();
    expect(await openOptions(/^Metric/)).toEqual(['Accuracy', 'Precision', 'Recall', 'F1', 'ROC AUC']);
  });

  it('saves calibration none and drops it again for the default', async () => {
    const { lastQuery } = renderQueryEditor(est);
    await loaded();
    await userEvent.click(screen.getByLabelText('None'));
    expect(lastQuery().calibration).toBe('none');
    expect(screen.queryByText('Calibrate on')).not.toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Isotonic'));
    expect(lastQuery().calibration).toBeUndefined();
  });

  it('calibrates on a chosen reference', async () => {
    const { lastQuery } = renderQueryEditor(est);
    await loaded();
    await userEvent.click(screen.getByLabelText('A reference'));
    expect(lastQuery().reference).toEqual({ type: 'environment', environment: 'training' });
    await userEvent.click(screen.getByLabelText("Each version's validation data"));
    expect(lastQuery().reference).toBeUndefined();
  });

  it('flags a bad calibration and a rolling reference', () => {
    const bad = { ...est, calibration: 'platt' } as unknown as VigilQuery;
    expect(queryProblems(bad).calibration).toMatch(/not a calibration/);
    expect(queryProblems({ ...est, reference: { type: 'rolling', window: '1d' } })['reference.type']).toMatch(
      /fitted once/
    );
  });
});

describe('performanceTrace', () => {
  const trace: VigilQuery = { refId: 'A', queryType: 'performanceTrace', model, metric: 'accuracy' };

  it('stores the traced features and the smallest segment', async () => {
    const { lastQuery } = renderQueryEditor(trace);
    await loaded();
    await pick(/^Features to trace/, 'features.region');
    expect(lastQuery().features).toEqual(['features.region']);
    await userEvent.type(screen.getByLabelText(/^Smallest segment/), '50');
    await waitFor(() => expect(lastQuery().minCount).toBe(50));
  });

  it('flags uniform binning, a non-environment reference and a bad segment count', () => {
    expect(queryProblems({ ...trace, binning: { strategy: 'uniform' } })['binning.strategy']).toMatch(/quantiles/);
    expect(queryProblems({ ...trace, reference: { type: 'version', version: 'v1' } })['reference.type']).toBeDefined();
    expect(queryProblems({ ...trace, minCount: -1 }).minCount).toBeDefined();
  });

  it('keeps only its own options when the query type changes', () => {
    const from: VigilQuery = { refId: 'A', queryType: 'fairness', model, metric: 'disparate_impact', interval: '1h' };
    const next = withQueryType(from, 'performanceTrace');
    expect(next).toEqual({ refId: 'A', queryType: 'performanceTrace', model, metric: 'accuracy' });
    const dq = withQueryType({ ...from, reference: { type: 'rolling', window: '7d' } }, 'dataQuality');
    expect(dq.reference).toEqual({ type: 'environment', environment: 'training' });
    expect(dq.metric).toBe('missing_rate');
  });
});
