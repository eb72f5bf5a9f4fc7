import React, { useState } from 'react';
import type { DataSourceSettings } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { VigilDataSourceOptions } from '../../types';
import { ConfigEditor } from './ConfigEditor';
import { hostProblem, portProblem, type ClickHouseOptions, type ClickHouseSecureJsonData } from './StoreSettings';
import { newSettings } from './settingsFixture';

type Settings = DataSourceSettings<VigilDataSourceOptions & ClickHouseOptions, ClickHouseSecureJsonData>;

const base = newSettings<Settings>();

function renderEditor(start: Partial<Settings> = {}) {
  const changes: Settings[] = [];
  function Harness() {
    const [options, setOptions] = useState<Settings>({ ...base, ...start });
    return (
      <ConfigEditor
        options={options as never}
        onOptionsChange={(next) => {
          changes.push(next as unknown as Settings);
          setOptions(next as unknown as Settings);
        }}
      />
    );
  }
  render(<Harness />);
  return { last: () => changes[changes.length - 1] };
}

describe('store settings', () => {
  it('shows the DuckDB file by default and the ClickHouse fields once chosen', async () => {
    const { last } = renderEditor();
    expect(screen.getByText('DuckDB file')).toBeInTheDocument();
    expect(screen.queryByText('Host')).not.toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('ClickHouse'));
    expect(last().jsonData.store).toBe('clickhouse');
    expect(screen.queryByText('DuckDB file')).not.toBeInTheDocument();
    expect(screen.getByText('The ClickHouse store needs a host.')).toBeInTheDocument();
    await userEvent.type(screen.getByPlaceholderText('clickhouse.example.com'), 'ch1');
    await userEvent.type(screen.getByPlaceholderText('(one server)'), 'prod');
    expect(last().jsonData).toMatchObject({ store: 'clickhouse', clickhouseHost: 'ch1', clickhouseCluster: 'prod' });
    await userEvent.type(screen.getByPlaceholderText('9000'), '70000');
    expect(screen.getByText('Enter a port from 1 to 65535.')).toBeInTheDocument();
  });

  it('keeps the password in secureJsonData and resets a configured one', async () => {
    const { last } = renderEditor({
      jsonData: { store: 'clickhouse', clickhouseHost: 'h' },
      secureJsonFields: { clickhousePassword: true },
    });
    expect(screen.getByDisplayValue('configured')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields.clickhousePassword).toBe(false);
    await userEvent.type(screen.getByPlaceholderText('Password'), 's3cret');
    expect(last().secureJsonData?.clickhousePassword).toBe('s3cret');
    expect(JSON.stringify(last().jsonData)).not.toContain('s3cret');
  });

  it('validates host and port', () => {
    expect(hostProblem({ store: 'clickhouse' })).toMatch(/needs a host/);
    expect(hostProblem({ store: 'duckdb' })).toBeUndefined();
    expect(portProblem(9000)).toBeUndefined();
    expect(portProblem(0)).toMatch(/1 to 65535/);
    expect(portProblem(undefined)).toBeUndefined();
  });
});
