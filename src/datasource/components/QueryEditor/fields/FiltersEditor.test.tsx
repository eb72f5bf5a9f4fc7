import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { describedOptions, giveElementsASize, openOptions, pick, picker, typeCustom } from '../../../../test/combobox';
import { fakeResourceApi, fetchError } from '../../../../test/fakeResources';
import { fakeTemplateSrv } from '../../../../test/fakeTemplateSrv';
import { renderQueryEditor } from '../../../../test/renderQueryEditor';
import type { VigilQuery } from '../../../types';
import { parseNumbers } from './FiltersEditor';

const templateSrv = fakeTemplateSrv({ channel: ['web', 'app'] });

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

giveElementsASize();

const performance: VigilQuery = { refId: 'A', queryType: 'performance', model: 'credit-risk', metric: 'accuracy' };

async function loaded() {
  await waitFor(() => expect(picker(/^Versions/)).toHaveAttribute('placeholder', 'every version'));
}

describe('filters', () => {
  it('adds a filter on a tag with values from the store, and runs once it is complete', async () => {
    const { lastQuery, onRunQuery, api } = renderQueryEditor(performance);
    await loaded();

    await userEvent.click(screen.getByRole('button', { name: 'Add filter' }));
    expect(lastQuery().filters).toEqual([{ field: '', op: '=' }]);
    expect(screen.getByText('Choose a field.')).toBeInTheDocument();
    expect(onRunQuery).not.toHaveBeenCalled();

    await pick('Filter 1 field', 'tags.channel');
    expect(await describedOptions('Filter 1 value')).toEqual([
      'web — 8,000 records',
      'app — 4,000 records',
      '$channel',
    ]);
    expect(api).toHaveBeenCalledWith('models/credit-risk/values', { field: 'tags.channel' });
    await userEvent.keyboard('{Escape}');
    expect(onRunQuery).not.toHaveBeenCalled();

    await pick('Filter 1 value', 'web');
    expect(lastQuery().filters).toEqual([{ field: 'tags.channel', op: '=', value: 'web' }]);
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await pick('Filter 1 value', 'app');
    expect(lastQuery().filters).toEqual([{ field: 'tags.channel', op: '=', value: ['web', 'app'] }]);
  });

  it('offers comparisons for numeric fields and stores typed numbers as numbers', async () => {
    const { lastQuery } = renderQueryEditor({ ...performance, filters: [{ field: 'features.age', op: '=' }] });
    await loaded();

    expect(await openOptions('Filter 1 operator')).toEqual([
      '=',
      '!=',
      '<',
      '<=',
      '>',
      '>=',
      'in',
      'not in',
      'is null',
      'is not null',
    ]);
    await userEvent.keyboard('{Escape}');
    await pick('Filter 1 operator', '>=');
    await userEvent.type(screen.getByLabelText('Filter 1 value'), '40');
    await userEvent.tab();

    expect(lastQuery().filters).toEqual([{ field: 'features.age', op: '>=', value: 40 }]);
  });

  it('names a value that is not a number for a numeric field', async () => {
    renderQueryEditor({ ...performance, filters: [{ field: 'features.age', op: '=' }] });
    await loaded();

    await userEvent.type(screen.getByLabelText('Filter 1 value'), '18, old');
    await userEvent.tab();

    expect(screen.getByText('features.age is numeric; "old" is not a number.')).toBeInTheDocument();
  });

  it('offers only equality, membership and null checks for categorical fields', async () => {
    renderQueryEditor({ ...performance, filters: [{ field: 'tags.sex', op: '=', value: 'F' }] });
    await loaded();

    expect(await openOptions('Filter 1 operator')).toEqual(['=', '!=', 'in', 'not in', 'is null', 'is not null']);
  });

  it('drops the value for a null check and removes a filter', async () => {
    const { lastQuery, onRunQuery } = renderQueryEditor({
      ...performance,
      filters: [
        { field: 'tags.sex', op: '=', value: 'F' },
        { field: 'actual.label', op: '=', value: '1' },
      ],
    });
    await loaded();

    await pick('Filter 2 operator', 'is null');
    expect(lastQuery().filters).toEqual([
      { field: 'tags.sex', op: '=', value: 'F' },
      { field: 'actual.label', op: 'is null' },
    ]);
    expect(screen.queryByLabelText('Filter 2 value')).not.toBeInTheDocument();
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await userEvent.click(screen.getByRole('button', { name: 'Remove filter 1' }));
    expect(lastQuery().filters).toEqual([{ field: 'actual.label', op: 'is null' }]);

    await userEvent.click(screen.getByRole('button', { name: 'Remove filter 1' }));
    expect(lastQuery()).not.toHaveProperty('filters');
  });

  it('clears the values when the field changes', async () => {
    const { lastQuery } = renderQueryEditor({ ...performance, filters: [{ field: 'tags.sex', op: '!=', value: 'F' }] });
    await loaded();

    await pick('Filter 1 field', 'features.region');

    expect(lastQuery().filters).toEqual([{ field: 'features.region', op: '!=' }]);
    expect(screen.getByText('Operator != needs a value.')).toBeInTheDocument();
  });

  it('takes a typed value when the values cannot be listed, and says why', async () => {
    const api = fakeResourceApi({
      'models/credit-risk/values?field=tags.channel': async () => {
        throw fetchError(400, 'query option "field": "tags.channel" has too many values');
      },
    });
    const { lastQuery } = renderQueryEditor({ ...performance, filters: [{ field: 'tags.channel', op: '=' }] }, api);

    expect(
      await screen.findByText(
        'Could not load the values: query option "field": "tags.channel" has too many values. You can still type a value.'
      )
    ).toBeInTheDocument();
    await typeCustom('Filter 1 value', 'email');

    expect(lastQuery().filters).toEqual([{ field: 'tags.channel', op: '=', value: 'email' }]);
  });

  it('lists no values while the model is a variable', async () => {
    const { api } = renderQueryEditor({
      ...performance,
      model: '$model',
      filters: [{ field: 'tags.channel', op: '=', value: '$channel' }],
    });

    await userEvent.click(picker('Filter 1 value'));

    expect(await screen.findByText(/The values are listed once the model is not a variable/)).toBeInTheDocument();
    expect(api.mock.calls.map(([path]) => path)).toEqual(['models']);
  });
});

describe('parseNumbers', () => {
  it('reads numbers and keeps anything else as text', () => {
    expect(parseNumbers('18, 65.5,,-1e3')).toEqual([18, 65.5, -1000]);
    expect(parseNumbers('$age, 3')).toEqual(['$age', 3]);
    expect(parseNumbers(' ')).toEqual([]);
  });
});
