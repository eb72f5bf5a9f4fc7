import React, { useState } from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { DataSource } from '../../datasource';
import type { VigilQuery } from '../../types';
import { QueryEditor, withQueryType } from './QueryEditor';

/** Renders the editor the way Grafana does: every change comes back as the new query. */
function renderEditor(initial: VigilQuery) {
  const changes: VigilQuery[] = [];
  const onRunQuery = jest.fn();
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        datasource={{} as DataSource}
        query={query}
        onChange={(next) => {
          changes.push(next);
          setQuery(next);
        }}
        onRunQuery={onRunQuery}
      />
    );
  }
  render(<Harness />);
  return { lastQuery: () => changes[changes.length - 1], changes, onRunQuery };
}

async function pick(label: RegExp, option: RegExp) {
  await userEvent.click(screen.getByLabelText(label));
  await userEvent.click(await screen.findByRole('option', { name: option }));
}

// Combobox renders only the options that fit in its menu; jsdom lays nothing out, so give every element a size.
beforeAll(() => {
  jest.spyOn(Element.prototype, 'clientHeight', 'get').mockReturnValue(400);
  jest.spyOn(Element.prototype, 'clientWidth', 'get').mockReturnValue(400);
});

afterAll(() => {
  jest.restoreAllMocks();
});

const driftQuery: VigilQuery = {
  refId: 'A',
  queryType: 'drift',
  model: 'credit-risk',
  target: 'feature',
  features: ['income'],
  metric: 'psi',
  reference: { type: 'environment', environment: 'training' },
};

describe('QueryEditor', () => {
  it('switches to performance with its first metric and keeps the shared options', async () => {
    const { lastQuery, onRunQuery } = renderEditor(driftQuery);

    await pick(/Query type/, /^Performance/);

    expect(lastQuery()).toEqual({ ...driftQuery, queryType: 'performance', metric: 'accuracy' });
    expect(onRunQuery).toHaveBeenCalled();
    expect(screen.getByLabelText(/Group by/)).toBeInTheDocument();
  });

  it('offers only the metrics of the query type and stores the chosen one', async () => {
    const { lastQuery } = renderEditor({ refId: 'A', queryType: 'traffic', model: 'credit-risk', metric: 'count' });

    await userEvent.click(screen.getByLabelText(/^Metric/));
    const options = await screen.findAllByRole('option');
    expect(options.map((option) => option.textContent)).toEqual(['Count', 'Share']);

    await userEvent.click(within(options[1]).getByText('Share'));
    expect(lastQuery()).toEqual({ refId: 'A', queryType: 'traffic', model: 'credit-risk', metric: 'share' });
  });

  it('changes the drift metric', async () => {
    const { lastQuery } = renderEditor(driftQuery);

    await pick(/^Metric/, /^Jensen–Shannon distance/);

    expect(lastQuery()).toEqual({ ...driftQuery, metric: 'js' });
  });

  it('stores the model and interval, and runs the query when a field is left', async () => {
    const { lastQuery, onRunQuery } = renderEditor({ refId: 'A', queryType: 'traffic', metric: 'count' });

    await userEvent.type(screen.getByLabelText(/^Model/), ' fraud ');
    await userEvent.type(screen.getByLabelText(/^Interval/), '1h');
    await userEvent.tab();

    expect(lastQuery()).toEqual({ refId: 'A', queryType: 'traffic', metric: 'count', model: 'fraud', interval: '1h' });
    expect(onRunQuery).toHaveBeenCalledTimes(2);
  });

  it('parses the comma-separated features on blur', async () => {
    const { lastQuery, onRunQuery } = renderEditor({ ...driftQuery, features: undefined });

    await userEvent.type(screen.getByRole('textbox', { name: /^Features/ }), 'income, region,, $features ,');
    expect(onRunQuery).not.toHaveBeenCalled();
    await userEvent.tab();

    expect(lastQuery().features).toEqual(['income', 'region', '$features']);
    expect(screen.getByRole('textbox', { name: /^Features/ })).toHaveValue('income, region, $features');
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('removes the features when the list is emptied', async () => {
    const { lastQuery } = renderEditor(driftQuery);

    await userEvent.clear(screen.getByRole('textbox', { name: /^Features/ }));
    await userEvent.tab();

    expect(lastQuery()).not.toHaveProperty('features');
  });

  it('hides the features when drift of predictions is chosen', async () => {
    const { lastQuery } = renderEditor(driftQuery);

    await userEvent.click(screen.getByLabelText('Prediction'));

    expect(lastQuery().target).toBe('prediction');
    expect(screen.queryByRole('textbox', { name: /^Features/ })).not.toBeInTheDocument();
  });

  it('edits the reference and keeps only the fields of its type', async () => {
    const { lastQuery } = renderEditor(driftQuery);

    await pick(/^Reference$/, /^Rolling window/);
    expect(lastQuery().reference).toEqual({ type: 'rolling' });

    await userEvent.type(screen.getByLabelText(/^Window/), '7d');
    await userEvent.tab();
    expect(lastQuery().reference).toEqual({ type: 'rolling', window: '7d' });
  });

  it('builds the fairness groups', async () => {
    const { lastQuery } = renderEditor({ refId: 'A', queryType: 'fairness', metric: 'disparate_impact' });

    await userEvent.type(screen.getByLabelText(/^Protected attribute/), 'tags.sex');
    await userEvent.type(screen.getByLabelText(/^Protected group/), 'F');
    await userEvent.type(screen.getByLabelText(/^Reference group/), 'M, X');
    await userEvent.type(screen.getByLabelText(/^Favourable label/), '1');
    await userEvent.tab();

    expect(lastQuery().fairness).toEqual({
      attribute: 'tags.sex',
      protected: ['F'],
      reference: ['M', 'X'],
      favorable: '1',
    });
  });

  it('keeps a query of an unknown type editable', () => {
    renderEditor({ refId: 'A', queryType: 'forecast' as VigilQuery['queryType'], model: 'credit-risk' });

    expect(screen.getByLabelText(/^Model/)).toHaveValue('credit-risk');
  });

  it('shows no metric or interval for the models query', () => {
    renderEditor({ refId: 'A', queryType: 'models' });

    expect(screen.queryByLabelText(/^Metric/)).not.toBeInTheDocument();
    expect(screen.queryByLabelText(/^Interval/)).not.toBeInTheDocument();
    expect(screen.getByLabelText(/^Model/)).toBeInTheDocument();
  });
});

describe('withQueryType', () => {
  it('keeps a metric the new type accepts and replaces one it does not', () => {
    expect(withQueryType({ refId: 'A', queryType: 'fairness', metric: 'selection_rate' }, 'fairness').metric).toBe(
      'selection_rate'
    );
    expect(withQueryType({ refId: 'A', queryType: 'drift', metric: 'psi' }, 'embeddingDrift').metric).toBe('euclidean');
  });

  it('drops the metric for types without one and adds the default reference where one is compared', () => {
    expect(withQueryType({ refId: 'A', queryType: 'traffic', metric: 'count' }, 'distribution')).toEqual({
      refId: 'A',
      queryType: 'distribution',
      reference: { type: 'environment', environment: 'training' },
    });
  });

  it('starts drift on features', () => {
    expect(withQueryType({ refId: 'A', queryType: 'models' }, 'drift')).toMatchObject({
      queryType: 'drift',
      target: 'feature',
      metric: 'psi',
    });
  });
});
