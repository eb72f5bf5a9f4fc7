import React, { useState } from 'react';
import type { DataSourceSettings } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { VigilDataSourceOptions, VigilSecureJsonData } from '../../types';
import { ConfigEditor } from './ConfigEditor';

type Settings = DataSourceSettings<VigilDataSourceOptions, VigilSecureJsonData>;

const baseSettings = {
  id: 1,
  uid: 'vigil',
  orgId: 1,
  name: 'Vigil',
  type: 'vigil-mlobs-datasource',
  typeName: 'Vigil',
  typeLogoUrl: '',
  access: 'proxy',
  url: '',
  user: '',
  basicAuth: false,
  basicAuthUser: '',
  isDefault: false,
  readOnly: false,
  withCredentials: false,
  secureJsonFields: {},
  jsonData: {},
} as Settings;

/** Renders the editor the way Grafana does: every change comes back as the new options. */
function renderEditor(jsonData: VigilDataSourceOptions = {}) {
  const changes: Settings[] = [];
  function Harness() {
    const [options, setOptions] = useState<Settings>({ ...baseSettings, jsonData });
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          changes.push(next);
          setOptions(next);
        }}
      />
    );
  }
  render(<Harness />);
  return { lastJsonData: () => changes[changes.length - 1]?.jsonData, changes };
}

describe('ConfigEditor', () => {
  it('shows the saved settings', () => {
    renderEditor({ path: 'models.duckdb', queryTimeout: 45, maxRowsScanned: 1000, maxSampleSize: 20 });

    expect(screen.getByLabelText(/DuckDB file/)).toHaveValue('models.duckdb');
    expect(screen.getByLabelText(/Query timeout/)).toHaveValue(45);
    expect(screen.getByLabelText(/Max rows scanned/)).toHaveValue(1000);
    expect(screen.getByLabelText(/Max sample size/)).toHaveValue(20);
  });

  it('stores the DuckDB path in jsonData', async () => {
    const { lastJsonData } = renderEditor();

    await userEvent.type(screen.getByLabelText(/DuckDB file/), 'data/vigil.duckdb');

    expect(lastJsonData()).toEqual({ path: 'data/vigil.duckdb' });
  });

  it('stores the limits as numbers and keeps the other settings', async () => {
    const { lastJsonData } = renderEditor({ path: 'vigil.duckdb' });

    await userEvent.type(screen.getByLabelText(/Query timeout/), '60');
    await userEvent.type(screen.getByLabelText(/Max rows scanned/), '2000000');
    await userEvent.type(screen.getByLabelText(/Max sample size/), '10000');

    expect(lastJsonData()).toEqual({
      path: 'vigil.duckdb',
      queryTimeout: 60,
      maxRowsScanned: 2000000,
      maxSampleSize: 10000,
    });
  });

  it('removes a cleared limit so the backend default applies', async () => {
    const { lastJsonData } = renderEditor({ path: 'vigil.duckdb', queryTimeout: 45 });

    await userEvent.clear(screen.getByLabelText(/Query timeout/));

    expect(lastJsonData()).toEqual({ path: 'vigil.duckdb' });
  });

  it('shows the defaults as placeholders', () => {
    renderEditor();

    expect(screen.getByLabelText(/Query timeout/)).toHaveAttribute('placeholder', '30 (default)');
    expect(screen.getByLabelText(/Max sample size/)).toHaveAttribute('placeholder', '50000 (default)');
  });

  it('flags a limit that is not a whole number above zero', () => {
    renderEditor({ maxSampleSize: 0, queryTimeout: 2.5, maxRowsScanned: 10 });

    expect(screen.getAllByText('Enter a whole number greater than 0.')).toHaveLength(2);
  });
});
