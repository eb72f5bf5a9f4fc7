import React, { useState } from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { giveElementsASize, openOptions, pick, picker, typeCustom } from '../../../test/combobox';
import { dataSourceWith } from '../../../test/fakeResources';
import { fakeTemplateSrv } from '../../../test/fakeTemplateSrv';
import type { VigilVariableQuery } from '../../types';
import { VariableQueryEditor } from './VariableQueryEditor';

const templateSrv = fakeTemplateSrv({ model: 'credit-risk' });

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

giveElementsASize();

/** Renders the variable editor the way Grafana does, with a saved query that may be an empty string. */
function renderVariableEditor(initial: unknown) {
  const { datasource, api } = dataSourceWith();
  const changes: VigilVariableQuery[] = [];
  function Harness() {
    const [query, setQuery] = useState(initial as VigilVariableQuery);
    return (
      <VariableQueryEditor
        datasource={datasource}
        query={query}
        onChange={(next) => {
          changes.push(next);
          setQuery(next);
        }}
        onRunQuery={() => {}}
      />
    );
  }
  render(<Harness />);
  return { lastQuery: () => changes[changes.length - 1], changes, api };
}

describe('VariableQueryEditor', () => {
  it('saves a new variable (an empty string) as a models query at once', async () => {
    const { changes } = renderVariableEditor('');

    await waitFor(() => expect(changes).toEqual([{ refId: 'VigilVariable', kind: 'models' }]));
    expect(screen.getByLabelText('Models')).toBeChecked();
    expect(screen.queryByRole('combobox', { name: /^Model/ })).not.toBeInTheDocument();
  });

  it('leaves a saved query as it is when it opens', async () => {
    const { changes, api } = renderVariableEditor({ kind: 'values', model: '$model', field: 'tags.sex' });

    expect(picker(/^Model/)).toHaveValue('$model');
    expect(picker(/^Field/)).toHaveValue('tags.sex');
    await waitFor(() => expect(api).toHaveBeenCalledWith('models', undefined));
    expect(changes).toEqual([]);
  });

  it('lists the versions of a model picked from the store or given as a variable', async () => {
    const { lastQuery } = renderVariableEditor({ kind: 'models' });

    await userEvent.click(screen.getByLabelText('Versions'));
    expect(lastQuery()).toEqual({ refId: 'VigilVariable', kind: 'versions' });
    expect(screen.getByText('Listing versions needs a model.')).toBeInTheDocument();

    expect(await openOptions(/^Model/)).toEqual(['credit-risk', 'fraud', '$model']);
    await userEvent.keyboard('{Escape}');
    await pick(/^Model/, '$model');
    expect(lastQuery()).toEqual({ refId: 'VigilVariable', kind: 'versions', model: '$model' });
    expect(screen.queryByText('Listing versions needs a model.')).not.toBeInTheDocument();
  });

  it('lists the values of a field of the model', async () => {
    const { lastQuery } = renderVariableEditor({ kind: 'features', model: 'credit-risk' });

    await userEvent.click(screen.getByLabelText('Values'));
    expect(screen.getByText('Listing values needs a field, e.g. tags.sex.')).toBeInTheDocument();
    await pick(/^Field/, 'tags.sex');

    expect(lastQuery()).toEqual({ refId: 'VigilVariable', kind: 'values', model: 'credit-risk', field: 'tags.sex' });
  });

  it('takes a typed field for a model given as a variable, and drops model and field for models', async () => {
    const { lastQuery } = renderVariableEditor({ kind: 'values', model: '$model' });

    await typeCustom(/^Field/, 'tags.region');
    expect(lastQuery()).toEqual({ refId: 'VigilVariable', kind: 'values', model: '$model', field: 'tags.region' });

    await userEvent.click(screen.getByLabelText('Models'));
    expect(lastQuery()).toEqual({ refId: 'VigilVariable', kind: 'models' });
  });
});
