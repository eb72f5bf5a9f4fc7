import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { describedOptions, giveElementsASize, openOptions, pick, typeCustom } from '../../../test/combobox';
import { deferred, fakeResourceApi, fetchError, INVENTORY } from '../../../test/fakeResources';
import { fakeTemplateSrv } from '../../../test/fakeTemplateSrv';
import { renderQueryEditor } from '../../../test/renderQueryEditor';
import type { VigilQuery } from '../../types';

const templateSrv = fakeTemplateSrv({ model: 'credit-risk', feature: ['age', 'income'] });

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

giveElementsASize();

const driftQuery: VigilQuery = {
  refId: 'A',
  queryType: 'drift',
  model: 'credit-risk',
  target: 'feature',
  features: ['income'],
  metric: 'psi',
  reference: { type: 'environment', environment: 'training' },
};

describe('QueryEditor: model, versions and environment', () => {
  it('lists the models with their records and versions, and the dashboard variables', async () => {
    renderQueryEditor({ refId: 'A', queryType: 'traffic', metric: 'count' });

    await waitFor(() => expect(screen.getByLabelText(/^Model/)).toHaveAttribute('placeholder', 'every model'));
    expect(await describedOptions(/^Model/)).toEqual([
      'credit-risk — 12,000 records · v1, v2',
      'fraud — 500 records · f1',
      '$model',
      '$feature',
    ]);
  });

  it('stores the picked model and runs the query', async () => {
    const { lastQuery, onRunQuery } = renderQueryEditor({ refId: 'A', queryType: 'traffic', metric: 'count' });

    await pick(/^Model/, 'fraud');

    expect(lastQuery()).toEqual({ refId: 'A', queryType: 'traffic', metric: 'count', model: 'fraud' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('shows that the models are loading until they arrive', async () => {
    const models = deferred<unknown>();
    renderQueryEditor(
      { refId: 'A', queryType: 'traffic', metric: 'count' },
      fakeResourceApi({ models: () => models.promise })
    );

    expect(screen.getByLabelText(/^Model/)).toHaveAttribute('placeholder', 'Loading…');
    models.resolve(INVENTORY.models);

    await waitFor(() => expect(screen.getByLabelText(/^Model/)).toHaveAttribute('placeholder', 'every model'));
  });

  it('says why the models could not be loaded and still takes a typed model', async () => {
    const api = fakeResourceApi({
      models: async () => {
        throw fetchError(500, 'database is locked');
      },
    });
    const { lastQuery } = renderQueryEditor({ refId: 'A', queryType: 'traffic', metric: 'count' }, api);

    expect(
      await screen.findByText('Could not load the models: database is locked. You can still type a value.')
    ).toBeInTheDocument();
    await typeCustom(/^Model/, 'churn');

    expect(lastQuery().model).toBe('churn');
  });

  it('shows a model variable as written and asks nothing about it', async () => {
    const { api } = renderQueryEditor({ ...driftQuery, model: '$model', features: ['$feature'] });

    expect(screen.getByLabelText(/^Model/)).toHaveValue('$model');
    await waitFor(() => expect(api).toHaveBeenCalledWith('models', undefined));
    await userEvent.click(screen.getByLabelText(/^Versions/));

    expect(await screen.findByText(/The versions are listed once the model is not a variable/)).toBeInTheDocument();
    expect(api.mock.calls.map(([path]) => path)).toEqual(['models']);
  });

  it('lists the versions of the model with their status and environments', async () => {
    const { lastQuery, onRunQuery } = renderQueryEditor(driftQuery);

    expect(await describedOptions(/^Versions/)).toEqual([
      'v1 — deprecated · training, production',
      'v2 — active · production',
      '$model',
      '$feature',
    ]);
    await userEvent.keyboard('{Escape}');
    await pick(/^Versions/, 'v2');

    expect(lastQuery()).toEqual({ ...driftQuery, versions: ['v2'] });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('lists the environments of the model, or of every model when none is chosen', async () => {
    const { lastQuery } = renderQueryEditor(driftQuery);

    expect(await openOptions(/^Environment/)).toEqual(['training', 'production', '$model', '$feature']);
    await userEvent.keyboard('{Escape}');
    await pick(/^Environment/, 'production');
    expect(lastQuery().environment).toBe('production');
  });

  it('lists the environments of every model for traffic without a model', async () => {
    const { api } = renderQueryEditor({ refId: 'A', queryType: 'traffic', metric: 'count' });

    expect(await openOptions(/^Environment/)).toEqual(['training', 'production', '$model', '$feature']);
    expect(api.mock.calls.map(([path]) => path)).toEqual(['models']);
  });

  it('says why the versions could not be loaded', async () => {
    const api = fakeResourceApi({
      'models/credit-risk/versions': async () => {
        throw fetchError(404, 'unknown model "credit-risk"');
      },
    });
    renderQueryEditor(driftQuery, api);

    // The versions picker and the reference version picker both say so.
    expect(
      await screen.findAllByText(
        'Could not load the versions: unknown model "credit-risk". You can still type a value.'
      )
    ).toHaveLength(2);
    // The environment picker and the reference environment picker both say so.
    expect(
      screen.getAllByText('Could not load the environments: unknown model "credit-risk". You can still type a value.')
    ).toHaveLength(2);
  });
});

describe('QueryEditor: query type, interval and validation', () => {
  it('switches the query type, keeping the shared options and dropping the others', async () => {
    const { lastQuery, onRunQuery } = renderQueryEditor(driftQuery);

    await pick(/^Query type/, 'Performance');

    expect(lastQuery()).toEqual({ refId: 'A', queryType: 'performance', model: 'credit-risk', metric: 'accuracy' });
    expect(onRunQuery).toHaveBeenCalled();
    expect(screen.getByLabelText(/^Group by/)).toBeInTheDocument();
  });

  it('stores the interval as typed and runs the query when the field is left', async () => {
    const { lastQuery, onRunQuery } = renderQueryEditor({ refId: 'A', queryType: 'traffic', metric: 'count' });

    await userEvent.type(screen.getByLabelText(/^Interval/), '6h');
    expect(onRunQuery).not.toHaveBeenCalled();
    await userEvent.tab();

    expect(lastQuery()).toEqual({ refId: 'A', queryType: 'traffic', metric: 'count', interval: '6h' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('names what is wrong and does not run a query it knows will fail', async () => {
    const { onRunQuery } = renderQueryEditor({ refId: 'A', queryType: 'traffic', metric: 'count' });

    await pick(/^Query type/, 'Drift');
    expect(screen.getByText('A drift query needs a model.')).toBeInTheDocument();
    expect(onRunQuery).not.toHaveBeenCalled();

    await userEvent.type(screen.getByLabelText(/^Interval/), 'hourly');
    await userEvent.tab();
    expect(screen.getByText('"hourly" is not a duration such as 1m, 1h or 1d.')).toBeInTheDocument();
    expect(onRunQuery).not.toHaveBeenCalled();

    await pick(/^Model/, 'credit-risk');
    expect(onRunQuery).not.toHaveBeenCalled();
    await userEvent.clear(screen.getByLabelText(/^Interval/));
    await userEvent.tab();
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.queryByText('A drift query needs a model.')).not.toBeInTheDocument();
  });

  it('upgrades an older query once when it opens', async () => {
    const saved = { refId: 'A', queryType: 'performance', model: 'credit-risk', groupBy: 'tags.channel' };
    const { changes } = renderQueryEditor(saved as unknown as VigilQuery);

    await waitFor(() => expect(changes).toHaveLength(1));
    expect(changes[0]).toEqual({ ...saved, groupBy: ['tags.channel'] });
  });

  it('keeps a query of an unknown type editable', async () => {
    renderQueryEditor({ refId: 'A', queryType: 'forecast' as VigilQuery['queryType'], model: 'credit-risk' });

    expect(screen.getByLabelText(/^Query type/)).toHaveValue('forecast');
    expect(screen.getByText('"forecast" is not a query type this version of Vigil knows.')).toBeInTheDocument();
    expect(screen.getByLabelText(/^Model/)).toHaveValue('credit-risk');
    await waitFor(() => expect(screen.getByLabelText(/^Versions/)).toHaveAttribute('placeholder', 'every version'));
  });
});
