import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { describedOptions, giveElementsASize, openOptions, pick } from '../../../../test/combobox';
import { fakeTemplateSrv } from '../../../../test/fakeTemplateSrv';
import { renderQueryEditor } from '../../../../test/renderQueryEditor';
import type { VigilQuery } from '../../../types';

const templateSrv = fakeTemplateSrv({ feature: ['age', 'income'] });

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

giveElementsASize();

const model = 'credit-risk';

/** Waits until the model's listings have arrived, so a test sees the loaded pickers. */
async function loaded() {
  await waitFor(() => expect(screen.getByLabelText(/^Versions/)).toHaveAttribute('placeholder', 'every version'));
}

describe('drift', () => {
  const drift: VigilQuery = { refId: 'A', queryType: 'drift', model, target: 'feature', metric: 'psi' };

  it('offers the feature names of the model (not its tags) and stores the chosen names', async () => {
    const { lastQuery } = renderQueryEditor(drift);
    await loaded();

    expect(await describedOptions(/^Features/)).toEqual([
      'age — numeric',
      'income — numeric',
      'region — categorical',
      '$feature',
    ]);
    await userEvent.keyboard('{Escape}');
    await pick(/^Features/, 'region');
    await pick(/^Features/, 'age');

    expect(lastQuery().features).toEqual(['region', 'age']);
  });

  it('drops the features when drift of predictions is chosen', async () => {
    const { lastQuery } = renderQueryEditor({ ...drift, features: ['age'] });

    await userEvent.click(screen.getByLabelText('Prediction'));

    expect(lastQuery()).toEqual({ ...drift, target: 'prediction' });
    expect(screen.queryByRole('combobox', { name: /^Features/ })).not.toBeInTheDocument();
    await loaded();
  });

  it('offers only drift metrics and stores the chosen one', async () => {
    const { lastQuery } = renderQueryEditor(drift);

    expect(await openOptions(/^Metric/)).toEqual([
      'PSI',
      'KL divergence',
      'Jensen–Shannon distance',
      'Hellinger distance',
      'KS statistic',
      'KS p-value',
      'Wasserstein distance',
      'Wasserstein (normalised)',
      'Chi-squared',
      'Chi-squared p-value',
    ]);
    await userEvent.keyboard('{Escape}');
    await pick(/^Metric/, 'Hellinger distance');
    expect(lastQuery().metric).toBe('hellinger');
  });

  it('compares with another version of the model', async () => {
    const { lastQuery, onRunQuery } = renderQueryEditor({
      ...drift,
      reference: { type: 'environment', environment: 'training' },
    });
    await loaded();

    await pick(/^Reference$/, 'Version');
    expect(lastQuery().reference).toEqual({ type: 'version' });
    expect(screen.getByText('A version reference needs the version to compare with.')).toBeInTheDocument();
    expect(onRunQuery).not.toHaveBeenCalled();

    await pick(/^Reference version/, 'v1');
    expect(lastQuery().reference).toEqual({ type: 'version', version: 'v1' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('compares with an environment and optionally one of its versions', async () => {
    const { lastQuery } = renderQueryEditor({ ...drift, reference: { type: 'rolling', window: '7d' } });
    await loaded();

    await pick(/^Reference$/, 'Environment');
    expect(lastQuery().reference).toEqual({ type: 'environment', environment: 'training' });

    await pick(/^Reference environment/, 'production');
    await pick(/^Reference version/, 'v2');
    expect(lastQuery().reference).toEqual({ type: 'environment', environment: 'production', version: 'v2' });
  });

  it('takes a rolling window and names a bad one', async () => {
    const { lastQuery, onRunQuery } = renderQueryEditor(drift);
    await loaded();

    await pick(/^Reference$/, 'Rolling window');
    expect(screen.getByText('A rolling reference needs a window such as 7d.')).toBeInTheDocument();

    await userEvent.type(screen.getByLabelText(/^Window/), '7 days');
    await userEvent.tab();
    expect(screen.getByText('"7 days" is not a duration such as 1h, 1d or 7d.')).toBeInTheDocument();
    expect(onRunQuery).not.toHaveBeenCalled();

    await userEvent.clear(screen.getByLabelText(/^Window/));
    await userEvent.type(screen.getByLabelText(/^Window/), '7d');
    await userEvent.tab();
    expect(lastQuery().reference).toEqual({ type: 'rolling', window: '7d' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('takes a fixed window with relative or absolute times', async () => {
    const { lastQuery } = renderQueryEditor(drift);
    await loaded();

    await pick(/^Reference$/, 'Fixed window');
    await userEvent.type(screen.getByLabelText(/^From/), 'now-30d');
    await userEvent.type(screen.getByLabelText(/^To/), 'last week');
    await userEvent.tab();

    expect(lastQuery().reference).toEqual({ type: 'window', from: 'now-30d', to: 'last week' });
    expect(screen.getByText(/"last week" is not a time/)).toBeInTheDocument();
  });

  it('sets the binning and flags a bin count outside 2…100', async () => {
    const { lastQuery, onRunQuery } = renderQueryEditor(drift);
    await loaded();

    await userEvent.click(screen.getByLabelText('Uniform'));
    expect(lastQuery().binning).toEqual({ strategy: 'uniform' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await userEvent.type(screen.getByLabelText(/^Bins/), '1');
    await userEvent.tab();
    expect(lastQuery().binning).toEqual({ strategy: 'uniform', bins: 1 });
    expect(screen.getByText('Bins must be a whole number from 2 to 100.')).toBeInTheDocument();
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await userEvent.type(screen.getByLabelText(/^Bins/), '5');
    await userEvent.tab();
    expect(lastQuery().binning).toEqual({ strategy: 'uniform', bins: 15 });
    expect(onRunQuery).toHaveBeenCalledTimes(2);
  });
});

describe('distribution', () => {
  it('needs exactly one feature, picked from the model', async () => {
    const { lastQuery } = renderQueryEditor({ refId: 'A', queryType: 'distribution', model, metric: 'psi' });
    await loaded();

    expect(screen.getByText('A distribution needs exactly one feature; none is chosen.')).toBeInTheDocument();
    await pick(/^Feature$/, 'income');

    expect(lastQuery().features).toEqual(['income']);
    expect(screen.queryByText(/A distribution needs exactly one feature/)).not.toBeInTheDocument();
  });

  it('shows the histogram of the predictions without a feature', async () => {
    renderQueryEditor({ refId: 'A', queryType: 'distribution', model, target: 'prediction', metric: 'psi' });
    await loaded();

    expect(screen.queryByLabelText(/^Feature$/)).not.toBeInTheDocument();
    expect(screen.queryByText(/needs exactly one feature/)).not.toBeInTheDocument();
  });
});

describe('performance', () => {
  it('groups by features, tags and record fields of the model', async () => {
    const { lastQuery } = renderQueryEditor({ refId: 'A', queryType: 'performance', model, metric: 'accuracy' });
    await loaded();

    expect(await openOptions(/^Group by/)).toEqual([
      'features.age',
      'features.income',
      'features.region',
      'tags.sex',
      'tags.channel',
      'prediction.label',
      'prediction.score',
      'prediction.value',
      'actual.label',
      'actual.value',
      'version',
      'environment',
      '$feature',
    ]);
    await userEvent.keyboard('{Escape}');
    await pick(/^Group by/, 'tags.channel');

    expect(lastQuery().groupBy).toEqual(['tags.channel']);
  });

  it('asks for the positive label of metrics that single out a class, from the true labels', async () => {
    const { lastQuery } = renderQueryEditor({ refId: 'A', queryType: 'performance', model, metric: 'accuracy' });
    await loaded();
    expect(screen.queryByLabelText(/^Positive label/)).not.toBeInTheDocument();

    await pick(/^Metric/, 'F1');
    expect(await describedOptions(/^Positive label/)).toEqual(['0 — 8,000 records', '1 — 3,000 records', '$feature']);
    await userEvent.keyboard('{Escape}');
    await pick(/^Positive label/, '0');

    expect(lastQuery()).toEqual({ refId: 'A', queryType: 'performance', model, metric: 'f1', positive: '0' });
  });
});

describe('traffic and models', () => {
  it('filters traffic by lifecycle status', async () => {
    const { lastQuery } = renderQueryEditor({ refId: 'A', queryType: 'traffic', metric: 'count' });

    expect(await openOptions(/^Status/)).toEqual(['shadow', 'canary', 'active', 'deprecated', '$feature']);
    await userEvent.keyboard('{Escape}');
    await pick(/^Status/, 'deprecated');

    expect(lastQuery()).toEqual({ refId: 'A', queryType: 'traffic', metric: 'count', status: ['deprecated'] });
  });

  it('offers count and share for traffic', async () => {
    const { lastQuery } = renderQueryEditor({ refId: 'A', queryType: 'traffic', metric: 'count' });

    expect(await openOptions(/^Metric/)).toEqual(['Count', 'Share']);
    await userEvent.keyboard('{Escape}');
    await pick(/^Metric/, 'Share');
    expect(lastQuery().metric).toBe('share');
  });

  it('shows the models inventory with a status filter but no metric, interval or filters', async () => {
    renderQueryEditor({ refId: 'A', queryType: 'models' });

    expect(screen.getByLabelText(/^Status/)).toBeInTheDocument();
    expect(screen.queryByLabelText(/^Metric/)).not.toBeInTheDocument();
    expect(screen.queryByLabelText(/^Interval/)).not.toBeInTheDocument();
    expect(screen.queryByText('Add filter')).not.toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText(/^Model/)).toHaveAttribute('placeholder', 'every model'));
  });
});

describe('embeddings', () => {
  it('bounds the sample sizes and flags a negative one', async () => {
    const { lastQuery } = renderQueryEditor({
      refId: 'A',
      queryType: 'embeddings',
      model,
      reference: { type: 'environment', environment: 'training' },
    });
    await loaded();

    await userEvent.type(screen.getByLabelText(/^Points/), '2000');
    await userEvent.type(screen.getByLabelText(/^Reference points/), '-5');
    await userEvent.tab();

    expect(lastQuery()).toMatchObject({ limit: 2000, referenceLimit: -5 });
    expect(screen.getByText('Reference points must be a whole number, 0 or more.')).toBeInTheDocument();
  });

  it('chooses the reduction and the smallest new cluster', async () => {
    const { lastQuery, onRunQuery } = renderQueryEditor({ refId: 'A', queryType: 'embeddings', model });
    await loaded();

    expect(screen.getByLabelText('PCA')).toBeChecked();
    await userEvent.click(screen.getByLabelText('None'));
    expect(lastQuery()).toEqual({ refId: 'A', queryType: 'embeddings', model, reduce: 'none' });

    await userEvent.type(screen.getByLabelText(/^Smallest new cluster/), '1');
    await userEvent.tab();
    expect(screen.getByText('A new cluster needs at least 2 points.')).toBeInTheDocument();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('measures embedding drift by centroid distance', async () => {
    const { lastQuery } = renderQueryEditor({
      refId: 'A',
      queryType: 'embeddingDrift',
      model,
      metric: 'euclidean',
    });
    await loaded();

    await pick(/^Metric/, 'Cosine centroid distance');
    expect(lastQuery().metric).toBe('cosine');
  });
});

describe('bias trace', () => {
  it('traces features and tags, and gives an interval only over time', async () => {
    const { lastQuery } = renderQueryEditor({
      refId: 'A',
      queryType: 'biasTrace',
      model,
      metric: 'disparate_impact',
      fairness: { attribute: 'tags.sex', protected: ['F'], reference: ['M'], favorable: '1' },
    });
    await loaded();

    expect(await openOptions(/^Features to trace/)).toEqual([
      'features.age',
      'features.income',
      'features.region',
      'tags.sex',
      'tags.channel',
      '$feature',
    ]);
    await userEvent.keyboard('{Escape}');
    await pick(/^Features to trace/, 'features.region');
    expect(lastQuery().features).toEqual(['features.region']);

    expect(screen.queryByLabelText(/^Interval/)).not.toBeInTheDocument();
    await userEvent.click(screen.getByLabelText(/^Over time/));
    expect(lastQuery().overTime).toBe(true);
    expect(screen.getByLabelText(/^Interval/)).toBeInTheDocument();

    await userEvent.type(screen.getByLabelText(/^Smallest segment/), '30');
    await userEvent.type(screen.getByLabelText(/^Segments/), '50');
    await userEvent.tab();
    expect(lastQuery()).toMatchObject({ minCount: 30, limit: 50 });
  });

  it('bins numeric features by its own records or by an environment', async () => {
    const trace: VigilQuery = {
      refId: 'A',
      queryType: 'biasTrace',
      model,
      metric: 'disparate_impact',
      fairness: { attribute: 'tags.sex', protected: ['F'], reference: ['M'], favorable: '1' },
    };
    const { lastQuery } = renderQueryEditor(trace);
    await loaded();

    expect(screen.getByLabelText('Its own records')).toBeChecked();
    await userEvent.click(screen.getByLabelText('An environment'));
    expect(lastQuery().reference).toEqual({ type: 'environment', environment: 'training' });

    await pick(/^Version - optional/, 'v1');
    await userEvent.type(screen.getByLabelText(/^Bins/), '5');
    await userEvent.tab();
    expect(lastQuery()).toEqual({
      ...trace,
      reference: { type: 'environment', environment: 'training', version: 'v1' },
      binning: { bins: 5 },
    });

    await userEvent.click(screen.getByLabelText('Its own records'));
    expect(lastQuery()).not.toHaveProperty('reference');
  });
});
