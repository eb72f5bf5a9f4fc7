import React, { type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { ConfigSection } from '@grafana/plugin-ui';
import { Divider, Field, Input } from '@grafana/ui';

import { DEFAULT_SETTINGS, type VigilDataSourceOptions, type VigilSecureJsonData } from '../../types';

type Props = DataSourcePluginOptionsEditorProps<VigilDataSourceOptions, VigilSecureJsonData>;

type LimitSetting = keyof typeof DEFAULT_SETTINGS;

const LIMITS: Array<{ key: LimitSetting; label: string; description: string }> = [
  {
    key: 'queryTimeout',
    label: 'Query timeout (seconds)',
    description: 'A query still running after this is cancelled and answers with an error.',
  },
  {
    key: 'maxRowsScanned',
    label: 'Max rows scanned',
    description: 'A query that would scan more records than this is refused; narrow the time range or filters.',
  },
  {
    key: 'maxSampleSize',
    label: 'Max sample size',
    description: 'Largest sample taken for embeddings and for the KS and Wasserstein metrics.',
  },
];

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData } = options;

  const onPathChange = (event: ChangeEvent<HTMLInputElement>) => {
    onOptionsChange({ ...options, jsonData: { ...jsonData, path: event.currentTarget.value } });
  };

  const onLimitChange = (key: LimitSetting) => (event: ChangeEvent<HTMLInputElement>) => {
    const raw = event.currentTarget.value.trim();
    const next: VigilDataSourceOptions = { ...jsonData };
    if (raw === '' || !Number.isFinite(Number(raw))) {
      // An empty setting falls back to the backend default.
      delete next[key];
    } else {
      next[key] = Number(raw);
    }
    onOptionsChange({ ...options, jsonData: next });
  };

  return (
    <>
      <ConfigSection
        title="Inference store"
        description="Vigil keeps inference records in an embedded DuckDB database file owned by this data source."
      >
        <Field
          label="DuckDB file"
          description="Path of the database file on the Grafana server, e.g. one written by vigil demo or vigil ingest. While Grafana runs, this data source is its only writer: send new records through it."
          required
        >
          <Input
            id="vigil-config-path"
            value={jsonData.path ?? ''}
            placeholder="/var/lib/grafana/vigil/vigil.duckdb"
            width={60}
            onChange={onPathChange}
          />
        </Field>
      </ConfigSection>

      <Divider />

      <ConfigSection title="Limits" description="Bounds on every query. Leave a field empty to use its default.">
        {LIMITS.map(({ key, label, description }) => {
          const value = jsonData[key];
          const invalid = value !== undefined && !(Number.isInteger(value) && value > 0);
          return (
            <Field
              key={key}
              label={label}
              description={description}
              invalid={invalid}
              error={invalid ? 'Enter a whole number greater than 0.' : undefined}
            >
              <Input
                id={`vigil-config-${key}`}
                type="number"
                min={1}
                step={1}
                value={value ?? ''}
                placeholder={`${DEFAULT_SETTINGS[key]} (default)`}
                width={30}
                onChange={onLimitChange(key)}
              />
            </Field>
          );
        })}
      </ConfigSection>
    </>
  );
}
