import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { giveElementsASize, pick } from '../../../../test/combobox';
import { fakeTemplateSrv } from '../../../../test/fakeTemplateSrv';
import { renderQueryEditor } from '../../../../test/renderQueryEditor';
import { queryProblems } from '../../../validate';
import type { VigilQuery } from '../../../types';

const templateSrv = fakeTemplateSrv({});

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

giveElementsASize();

// Each test renders the whole editor and waits for its listings; on a loaded machine that takes tens of seconds.
jest.setTimeout(120_000);

const model = 'credit-risk';
const fairnessBlock = { attribute: 'tags.sex', protected: ['F'], reference: ['M'], favorable: '1' };

async function loaded() {
  await waitFor(() => expect(screen.getByLabelText(/^Versions/)).toHaveAttribute('placeholder', 'every version'));
}

describe('fairness uncertainty', () => {
  const fairness: VigilQuery = {
    refId: 'A',
    queryType: 'fairness',
    model,
    metric: 'disparate_impact',
    fairness: fairnessBlock,
  };

  it('sets a confidence interval, a single bound and the minimum group size', async () => {
    const { lastQuery } = renderQueryEditor(fairness);
    await loaded();
    expect(screen.getByText('Confidence interval')).toBeInTheDocument();
    expect(screen.queryByText('Series')).not.toBeInTheDocument();

    await userEvent.click(screen.getByLabelText('95%'));
    expect(lastQuery().confidence).toBe(0.95);

    await userEvent.click(screen.getByLabelText('Upper bound'));
    expect(lastQuery()).toMatchObject({ confidence: 0.95, bound: 'upper' });

    await userEvent.type(screen.getByLabelText(/^Minimum group size/), '50');
    await userEvent.tab();
    expect(lastQuery().minGroupSize).toBe(50);

    // No interval drops the bound too.
    await userEvent.click(screen.getByLabelText('None'));
    expect(lastQuery().confidence).toBeUndefined();
    expect(lastQuery().bound).toBeUndefined();
    expect(screen.queryByText('Series')).not.toBeInTheDocument();
  });

  it('offers no interval for metrics without one, and drops it when such a metric is chosen', async () => {
    const { lastQuery } = renderQueryEditor({ ...fairness, confidence: 0.9, bound: 'lower' });
    await loaded();
    expect(screen.getByLabelText('90%')).toBeChecked();
    await pick(/^Metric/, 'Average odds difference');
    expect(lastQuery().metric).toBe('average_odds_difference');
    expect(lastQuery().confidence).toBeUndefined();
    expect(lastQuery().bound).toBeUndefined();
    expect(screen.queryByText('Confidence interval')).not.toBeInTheDocument();
    expect(screen.getByLabelText(/^Minimum group size/)).toBeInTheDocument();
  });

  it('flags a minimum group size below 1', async () => {
    renderQueryEditor({ ...fairness, minGroupSize: 0.5 });
    await loaded();
    expect(await screen.findByText('The minimum group size is a whole number, 1 or more.')).toBeInTheDocument();
  });

  it('gives bias traces a confidence interval for each segment', async () => {
    const { lastQuery } = renderQueryEditor({ refId: 'A', queryType: 'biasTrace', model, fairness: fairnessBlock });
    await loaded();
    await userEvent.click(screen.getByLabelText('99%'));
    expect(lastQuery().confidence).toBe(0.99);
    expect(screen.queryByLabelText(/^Minimum group size/)).not.toBeInTheDocument();
  });
});

describe('adjusted drift p-values', () => {
  const drift: VigilQuery = { refId: 'A', queryType: 'drift', model, target: 'feature', metric: 'ks_pvalue' };

  it('adjusts p-value metrics across features, and only those', async () => {
    const { lastQuery } = renderQueryEditor(drift);
    await loaded();
    await userEvent.click(screen.getByLabelText('Benjamini–Hochberg'));
    expect(lastQuery().adjust).toBe('bh');
    await userEvent.click(screen.getByLabelText('Bonferroni'));
    expect(lastQuery().adjust).toBe('bonferroni');

    await pick(/^Metric/, 'PSI');
    expect(lastQuery().metric).toBe('psi');
    expect(lastQuery().adjust).toBeUndefined();
    expect(screen.queryByText('Adjust p-values across features')).not.toBeInTheDocument();
  });

  it('is not offered for PSI', async () => {
    renderQueryEditor({ ...drift, metric: 'psi' });
    await loaded();
    expect(screen.queryByText('Adjust p-values across features')).not.toBeInTheDocument();
  });
});

describe('uncertainty problems', () => {
  const base: VigilQuery = { refId: 'A', queryType: 'fairness', model, fairness: fairnessBlock };
  it.each<[Partial<VigilQuery>, string, RegExp]>([
    [{ confidence: 95 }, 'confidence', /between 0 and 1/],
    [{ metric: 'predictive_parity_ratio', confidence: 0.95 }, 'confidence', /no confidence interval/],
    [{ minGroupSize: -2 }, 'minGroupSize', /1 or more/],
    [{ bound: 'upper' }, 'bound', /needs a confidence interval/],
    [{ queryType: 'drift', metric: 'psi', adjust: 'bh' }, 'adjust', /p-value metric/],
    [{ queryType: 'drift', metric: 'ks_pvalue', adjust: 'holm' as never }, 'adjust', /not an adjustment/],
  ])('%j', (patch, key, message) => {
    expect(queryProblems({ ...base, ...patch } as VigilQuery)[key]).toMatch(message);
  });
  it('accepts good values', () => {
    const problems = queryProblems({ ...base, confidence: 0.95, bound: 'lower', minGroupSize: 10 });
    expect([problems.confidence, problems.bound, problems.minGroupSize]).toEqual([undefined, undefined, undefined]);
  });
});
