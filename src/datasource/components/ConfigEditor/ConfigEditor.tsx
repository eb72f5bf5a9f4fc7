import React, { type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { ConfigSection, ConfigSubSection } from '@grafana/plugin-ui';
import { Divider, Field, Input } from '@grafana/ui';

import {
  DEFAULT_SETTINGS,
  type NumericSetting,
  type VigilDataSourceOptions,
  type VigilSecureJsonData,
} from '../../types';

type Props = DataSourcePluginOptionsEditorProps<VigilDataSourceOptions, VigilSecureJsonData>;

interface NumberSetting {
  key: NumericSetting;
  label: string;
  description: string;
  /** Smallest and largest value the backend accepts; 0 (or empty) means its default unless `min` is above 0. */
  min: number;
  max?: number;
}

const LIMITS: NumberSetting[] = [
  {
    key: 'queryTimeout',
    label: 'Query timeout (seconds)',
    description: 'A query still running after this is cancelled and answers with an error.',
    min: 1,
    max: 3600,
  },
  {
    key: 'maxGroups',
    label: 'Max groups per aggregate',
    description:
      'Largest number of groups (series × buckets × bins) one store aggregate may return; a query over it is refused with a message to narrow it.',
    min: 0,
  },
  {
    key: 'maxSampleSize',
    label: 'Max sample size',
    description: 'Largest sample taken for embeddings and for the KS and Wasserstein metrics.',
    min: 0,
  },
  {
    key: 'maxBuckets',
    label: 'Max buckets',
    description: 'Largest number of time buckets one query may ask for; choose a longer interval beyond it.',
    min: 0,
  },
  {
    key: 'maxPoints',
    label: 'Max points per query',
    description:
      'Largest number of values (series points plus table cells) one query may answer with; a larger result is refused with a message to narrow the query.',
    min: 0,
  },
  {
    key: 'maxResponseBytes',
    label: 'Max response size (bytes)',
    description: 'Largest estimated size of one query’s frames; a larger result is refused before it is built.',
    min: 0,
  },
];

const INGEST: NumberSetting[] = [
  {
    key: 'ingestMaxBytes',
    label: 'Body limit (bytes)',
    description: 'Largest request body one ingest batch may send; larger batches answer 413 and should be split.',
    min: 0,
  },
  {
    key: 'ingestQueue',
    label: 'Queue length',
    description: 'Batches that may wait for the single writer; more answer 429 with Retry-After.',
    min: 0,
    max: 1000,
  },
];

const TUNING: NumberSetting[] = [
  {
    key: 'threads',
    label: 'DuckDB threads',
    description: 'Worker threads DuckDB uses for queries and ingest.',
    min: 0,
  },
];

// DuckDB memory sizes such as 512MB, 4GB or 2GiB.
const MEMORY_LIMIT = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

/** Settings earlier versions saved that the backend no longer reads; removed on the next change. */
const OBSOLETE_SETTINGS = ['maxRowsScanned'];

/** Why a number setting is not accepted, or `undefined` when it is (an unset setting always is). */
export function settingProblem(setting: NumberSetting, value: number | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const { min, max } = setting;
  if (Number.isInteger(value) && value >= min && (max === undefined || value <= max)) {
    return undefined;
  }
  if (max !== undefined) {
    return `Enter a whole number from ${min} to ${max}.`;
  }
  return min > 0 ? `Enter a whole number, ${min} or more.` : 'Enter a whole number, 0 or more (0 uses the default).';
}

export function memoryLimitProblem(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '' || MEMORY_LIMIT.test(value.trim())) {
    return undefined;
  }
  return `"${value}" is not a size such as 512MB or 4GB.`;
}

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData } = options;

  const setJsonData = (next: VigilDataSourceOptions) => {
    const cleaned: Record<string, unknown> = { ...next };
    for (const key of OBSOLETE_SETTINGS) {
      delete cleaned[key];
    }
    onOptionsChange({ ...options, jsonData: cleaned as VigilDataSourceOptions });
  };

  const onTextChange = (key: 'path' | 'memoryLimit') => (event: ChangeEvent<HTMLInputElement>) => {
    const value = event.currentTarget.value;
    const next: VigilDataSourceOptions = { ...jsonData, [key]: value };
    if (value.trim() === '') {
      delete next[key];
    }
    setJsonData(next);
  };

  const onNumberChange = (key: NumericSetting) => (event: ChangeEvent<HTMLInputElement>) => {
    const raw = event.currentTarget.value.trim();
    const next: VigilDataSourceOptions = { ...jsonData };
    if (raw === '' || !Number.isFinite(Number(raw))) {
      // An empty setting falls back to the backend default.
      delete next[key];
    } else {
      next[key] = Number(raw);
    }
    setJsonData(next);
  };

  const numberField = (setting: NumberSetting) => {
    const value = jsonData[setting.key];
    const problem = settingProblem(setting, value);
    return (
      <Field
        key={setting.key}
        label={setting.label}
        description={setting.description}
        invalid={!!problem}
        error={problem}
      >
        <Input
          id={`vigil-config-${setting.key}`}
          type="number"
          min={setting.min}
          max={setting.max}
          step={1}
          value={value ?? ''}
          placeholder={`${DEFAULT_SETTINGS[setting.key]} (default)`}
          width={30}
          onChange={onNumberChange(setting.key)}
        />
      </Field>
    );
  };

  const memoryProblem = memoryLimitProblem(jsonData.memoryLimit);

  return (
    <>
      <ConfigSection
        title="Inference store"
        description="Vigil keeps inference records in an embedded DuckDB database file owned by this data source."
      >
        <Field
          label="DuckDB file"
          description="Path of the database file on the Grafana server, e.g. one written by vigil demo or vigil ingest. While Grafana runs, this data source is its only writer: send new records through it. Empty keeps the records in memory until Grafana stops."
        >
          <Input
            id="vigil-config-path"
            value={jsonData.path ?? ''}
            placeholder="/var/lib/grafana/vigil/vigil.duckdb"
            width={60}
            onChange={onTextChange('path')}
          />
        </Field>
        <ConfigSubSection title="DuckDB tuning" description="Leave empty for DuckDB's own defaults." isCollapsible>
          {TUNING.map(numberField)}
          <Field
            label="DuckDB memory limit"
            description="Memory DuckDB may use before it spills to disk, e.g. 4GB."
            invalid={!!memoryProblem}
            error={memoryProblem}
          >
            <Input
              id="vigil-config-memoryLimit"
              value={jsonData.memoryLimit ?? ''}
              placeholder="DuckDB default (80% of RAM)"
              width={30}
              onChange={onTextChange('memoryLimit')}
            />
          </Field>
        </ConfigSubSection>
      </ConfigSection>

      <Divider />

      <ConfigSection title="Limits" description="Bounds on every query. Leave a field empty to use its default.">
        {LIMITS.map(numberField)}
      </ConfigSection>

      <Divider />

      <ConfigSection
        title="Ingest"
        description="Batches sent to this data source (vigil ingest --grafana, or POST …/resources/ingest) are written one at a time."
      >
        {INGEST.map(numberField)}
      </ConfigSection>
    </>
  );
}
