import React, { useState } from 'react';
import type { DataSourceSettings } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import type { VigilDataSourceOptions, VigilSecureJsonData } from '../../types';
import { ConfigEditor, memoryLimitProblem, settingProblem } from './ConfigEditor';
import { newSettings } from './settingsFixture';

type Settings = DataSourceSettings<VigilDataSourceOptions, VigilSecureJsonData>;

const baseSettings = newSettings<Settings>();

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
    renderEditor({
      path: 'models.duckdb',
      queryTimeout: 45,
      maxGroups: 1000,
      maxSampleSize: 20,
      maxBuckets: 500,
      ingestMaxBytes: 1024,
      ingestQueue: 8,
      threads: 2,
      memoryLimit: '2GB',
    });

    expect(screen.getByLabelText(/DuckDB file/)).toHaveValue('models.duckdb');
    expect(screen.getByLabelText(/Query timeout/)).toHaveValue(45);
    expect(screen.getByLabelText(/Max groups per aggregate/)).toHaveValue(1000);
    expect(screen.getByLabelText(/Max sample size/)).toHaveValue(20);
    expect(screen.getByLabelText(/Max buckets/)).toHaveValue(500);
    expect(screen.getByLabelText(/Body limit/)).toHaveValue(1024);
    expect(screen.getByLabelText(/Queue length/)).toHaveValue(8);
    expect(screen.getByLabelText(/DuckDB threads/)).toHaveValue(2);
    expect(screen.getByLabelText(/DuckDB memory limit/)).toHaveValue('2GB');
  });

  it('has a store, a limits and an ingest section, and ClickHouse fields only once chosen', () => {
    renderEditor();

    expect(screen.getByText('Inference store')).toBeInTheDocument();
    expect(screen.getByText('Limits')).toBeInTheDocument();
    expect(screen.getByText('Ingest')).toBeInTheDocument();
    expect(screen.getByLabelText('ClickHouse')).toBeInTheDocument();
    expect(screen.queryByText('Host')).not.toBeInTheDocument();
    expect(screen.queryByText(/rows scanned/i)).not.toBeInTheDocument();
  });

  it('stores the DuckDB path in jsonData, and removes it when emptied', async () => {
    const { lastJsonData } = renderEditor();

    await userEvent.type(screen.getByLabelText(/DuckDB file/), 'data/vigil.duckdb');
    expect(lastJsonData()).toEqual({ path: 'data/vigil.duckdb' });

    await userEvent.clear(screen.getByLabelText(/DuckDB file/));
    expect(lastJsonData()).toEqual({});
  });

  it('stores every number setting as a number under the key the backend reads, keeping the others', async () => {
    const { lastJsonData } = renderEditor({ path: 'vigil.duckdb' });

    await userEvent.type(screen.getByLabelText(/Query timeout/), '60');
    await userEvent.type(screen.getByLabelText(/Max groups per aggregate/), '2000000');
    await userEvent.type(screen.getByLabelText(/Max sample size/), '10000');
    await userEvent.type(screen.getByLabelText(/Max buckets/), '20000');
    await userEvent.type(screen.getByLabelText(/Max points per query/), '500000');
    await userEvent.type(screen.getByLabelText(/Max response size/), '1048576');
    await userEvent.type(screen.getByLabelText(/Body limit/), '1048576');
    await userEvent.type(screen.getByLabelText(/Queue length/), '16');
    await userEvent.type(screen.getByLabelText(/DuckDB threads/), '4');
    await userEvent.type(screen.getByLabelText(/DuckDB memory limit/), '4GB');

    expect(lastJsonData()).toEqual({
      path: 'vigil.duckdb',
      queryTimeout: 60,
      maxGroups: 2000000,
      maxSampleSize: 10000,
      maxBuckets: 20000,
      maxPoints: 500000,
      maxResponseBytes: 1048576,
      ingestMaxBytes: 1048576,
      ingestQueue: 16,
      threads: 4,
      memoryLimit: '4GB',
    });
  });

  it('removes a cleared setting so the backend default applies', async () => {
    const { lastJsonData } = renderEditor({ path: 'vigil.duckdb', queryTimeout: 45 });

    await userEvent.clear(screen.getByLabelText(/Query timeout/));

    expect(lastJsonData()).toEqual({ path: 'vigil.duckdb' });
  });

  it('drops the obsolete maxRowsScanned setting on the next change', async () => {
    const { lastJsonData, changes } = renderEditor({
      path: 'vigil.duckdb',
      maxRowsScanned: 1000,
    } as VigilDataSourceOptions);

    expect(changes).toHaveLength(0);
    await userEvent.type(screen.getByLabelText(/Max groups per aggregate/), '5');

    expect(lastJsonData()).toEqual({ path: 'vigil.duckdb', maxGroups: 5 });
  });

  it('shows the backend defaults as placeholders', () => {
    renderEditor();

    expect(screen.getByLabelText(/Query timeout/)).toHaveAttribute('placeholder', '30 (default)');
    expect(screen.getByLabelText(/Max groups per aggregate/)).toHaveAttribute('placeholder', '2000000 (default)');
    expect(screen.getByLabelText(/Max sample size/)).toHaveAttribute('placeholder', '50000 (default)');
    expect(screen.getByLabelText(/Max buckets/)).toHaveAttribute('placeholder', '10000 (default)');
    expect(screen.getByLabelText(/Max points per query/)).toHaveAttribute('placeholder', '1000000 (default)');
    expect(screen.getByLabelText(/Max response size/)).toHaveAttribute('placeholder', '67108864 (default)');
    expect(screen.getByLabelText(/Body limit/)).toHaveAttribute('placeholder', '67108864 (default)');
    expect(screen.getByLabelText(/Queue length/)).toHaveAttribute('placeholder', '4 (default)');
  });

  it('names the allowed range of a setting it cannot accept', () => {
    renderEditor({ queryTimeout: 0, maxGroups: -1, maxSampleSize: 2.5, maxBuckets: 10, ingestQueue: 5000 });

    expect(screen.getByText('Enter a whole number from 1 to 3600.')).toBeInTheDocument();
    expect(screen.getAllByText('Enter a whole number, 0 or more (0 uses the default).')).toHaveLength(2);
    expect(screen.getByText('Enter a whole number from 0 to 1000.')).toBeInTheDocument();
  });

  it('accepts the edges of the timeout range', () => {
    renderEditor({ queryTimeout: 3600 });
    expect(screen.queryByText(/Enter a whole number/)).not.toBeInTheDocument();
  });

  it('names a memory limit DuckDB would not read', () => {
    renderEditor({ memoryLimit: 'lots' });

    expect(screen.getByText('"lots" is not a size such as 512MB or 4GB.')).toBeInTheDocument();
  });
});

describe('settingProblem and memoryLimitProblem', () => {
  const timeout = { key: 'queryTimeout' as const, label: '', description: '', min: 1, max: 3600 };

  it('accepts unset values and whole numbers in range', () => {
    expect(settingProblem(timeout, undefined)).toBeUndefined();
    expect(settingProblem(timeout, 1)).toBeUndefined();
    expect(settingProblem(timeout, 3601)).toBe('Enter a whole number from 1 to 3600.');
    expect(memoryLimitProblem('512 MiB')).toBeUndefined();
    expect(memoryLimitProblem('')).toBeUndefined();
    expect(memoryLimitProblem('4G')).toBe('"4G" is not a size such as 512MB or 4GB.');
  });
});
