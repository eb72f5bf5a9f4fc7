import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { describedOptions, giveElementsASize, openOptions, pick, picker } from '../../../../test/combobox';
import { fakeTemplateSrv } from '../../../../test/fakeTemplateSrv';
import { renderQueryEditor } from '../../../../test/renderQueryEditor';
import type { VigilQuery } from '../../../types';

const templateSrv = fakeTemplateSrv({});

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => templateSrv,
}));

giveElementsASize();

const fairness: VigilQuery = { refId: 'A', queryType: 'fairness', model: 'credit-risk', metric: 'disparate_impact' };

async function loaded() {
  await waitFor(() => expect(picker(/^Versions/)).toHaveAttribute('placeholder', 'every version'));
}

describe('fairness groups', () => {
  it('asks for every part of the block before the query runs', async () => {
    const { onRunQuery } = renderQueryEditor(fairness);
    await loaded();

    expect(screen.getByText('Choose the protected attribute, e.g. tags.sex.')).toBeInTheDocument();
    expect(screen.getByText('Choose at least one value for the protected group.')).toBeInTheDocument();
    expect(screen.getByText('Choose at least one value for the reference group.')).toBeInTheDocument();
    expect(onRunQuery).not.toHaveBeenCalled();
  });

  it('offers categorical fields as the protected attribute', async () => {
    renderQueryEditor(fairness);
    await loaded();

    expect(await openOptions(/^Protected attribute/)).toEqual([
      'features.region',
      'tags.sex',
      'tags.channel',
      'prediction.label',
      'actual.label',
      'version',
      'environment',
    ]);
  });

  it('builds the groups from the values of the attribute and runs when complete', async () => {
    const { lastQuery, onRunQuery } = renderQueryEditor(fairness);
    await loaded();

    await pick(/^Protected attribute/, 'tags.sex');
    expect(await describedOptions(/^Protected group/)).toEqual(['M — 7,000 records', 'F — 5,000 records']);
    await userEvent.keyboard('{Escape}');
    await pick(/^Protected group/, 'F');
    await pick(/^Reference group/, 'M');
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    expect(await openOptions(/^Favourable label/)).toEqual(['0', '1']);
    await userEvent.keyboard('{Escape}');
    await pick(/^Favourable label/, '1');

    expect(lastQuery().fairness).toEqual({ attribute: 'tags.sex', protected: ['F'], reference: ['M'], favorable: '1' });
    expect(onRunQuery).toHaveBeenCalledTimes(2);
  });

  it('says when the protected and reference groups overlap', async () => {
    const { onRunQuery } = renderQueryEditor({
      ...fairness,
      fairness: { attribute: 'tags.sex', protected: ['F'], reference: ['M'], favorable: '1' },
    });
    await loaded();

    await pick(/^Reference group/, 'F');

    expect(screen.getByText('The protected and reference groups overlap: F.')).toBeInTheDocument();
    expect(onRunQuery).not.toHaveBeenCalled();
  });

  it('asks for the attribute before listing group values', async () => {
    const { api } = renderQueryEditor(fairness);
    await loaded();

    await userEvent.click(picker(/^Protected group/));

    expect(
      await screen.findByText('Choose the protected attribute to list its values; or type a value.')
    ).toBeInTheDocument();
    expect(api).not.toHaveBeenCalledWith('models/credit-risk/values', { field: '' });
  });
});
