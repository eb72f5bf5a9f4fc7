import React, { type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, Input, RadioButtonGroup, SecretInput, Switch } from '@grafana/ui';

import type { VigilDataSourceOptions } from '../../types';

/** The store a data source uses; the backend reads the same keys (pkg/models/settings.go). */
export type StoreKind = 'duckdb' | 'clickhouse';

/** ClickHouse settings kept in jsonData. */
export interface ClickHouseOptions {
  store?: StoreKind;
  clickhouseHost?: string;
  clickhousePort?: number;
  clickhouseDatabase?: string;
  clickhouseCluster?: string;
  clickhouseUser?: string;
  clickhouseTls?: boolean;
  clickhouseSkipVerify?: boolean;
}

/** The ClickHouse password lives in secureJsonData: Grafana never sends it back to the browser. */
export interface ClickHouseSecureJsonData {
  clickhousePassword?: string;
}

type Options = VigilDataSourceOptions & ClickHouseOptions;
type TextKey = 'clickhouseHost' | 'clickhouseDatabase' | 'clickhouseCluster' | 'clickhouseUser';

/** The ClickHouse settings typed as text: label, help, example and input width. */
const TEXT_SETTINGS: Record<
  TextKey,
  { name: TextKey; label: string; description?: string; placeholder: string; width: number }
> = {
  clickhouseHost: {
    name: 'clickhouseHost',
    label: 'Host',
    description: 'ClickHouse server, native protocol.',
    placeholder: 'clickhouse.example.com',
    width: 40,
  },
  clickhouseDatabase: {
    name: 'clickhouseDatabase',
    label: 'Database',
    description: "Created with Vigil's tables when missing.",
    placeholder: 'vigil',
    width: 30,
  },
  clickhouseCluster: {
    name: 'clickhouseCluster',
    label: 'Cluster',
    description: "A cluster of the server's remote_servers: tables are sharded over it. Empty for one server.",
    placeholder: '(one server)',
    width: 30,
  },
  clickhouseUser: { name: 'clickhouseUser', label: 'User', placeholder: 'default', width: 30 },
};

/** One text setting: a labelled input, with its problem shown under it. */
function TextSetting(props: {
  name: TextKey;
  label: string;
  description?: string;
  placeholder: string;
  width: number;
  value: string | undefined;
  error?: string;
  onChange: (event: ChangeEvent<HTMLInputElement>) => void;
}) {
  const { name, label, description, placeholder, width, value, error, onChange } = props;
  return (
    <Field label={label} description={description} invalid={!!error} error={error} required={name === 'clickhouseHost'}>
      <Input
        id={`vigil-config-${name}`}
        value={value ?? ''}
        placeholder={placeholder}
        width={width}
        onChange={onChange}
      />
    </Field>
  );
}
type Props = DataSourcePluginOptionsEditorProps<Options, ClickHouseSecureJsonData>;

const STORES: Array<{ label: string; value: StoreKind; description: string }> = [
  { label: 'Embedded DuckDB', value: 'duckdb', description: 'One database file on the Grafana server.' },
  { label: 'ClickHouse', value: 'clickhouse', description: 'A ClickHouse server or cluster, for scale-out.' },
];

/** Why a port is not accepted, or `undefined`. */
export function portProblem(port: number | undefined): string | undefined {
  if (port === undefined || (Number.isInteger(port) && port >= 1 && port <= 65535)) {
    return undefined;
  }
  return 'Enter a port from 1 to 65535.';
}

/** Why the ClickHouse settings are incomplete, or `undefined`. */
export function hostProblem(options: ClickHouseOptions): string | undefined {
  if (options.store === 'clickhouse' && !(options.clickhouseHost ?? '').trim()) {
    return 'The ClickHouse store needs a host.';
  }
  return undefined;
}

/** The store choice and, for ClickHouse, where it is and how to sign in. */
export function StoreSettings({ options, onOptionsChange }: Props) {
  const jsonData = options.jsonData;
  const store: StoreKind = jsonData.store ?? 'duckdb';
  const setJsonData = (next: Options) => onOptionsChange({ ...options, jsonData: next });

  const onText = (key: TextKey) => (event: ChangeEvent<HTMLInputElement>) => {
    const value = event.currentTarget.value;
    const next: Options = { ...jsonData, [key]: value };
    if (value.trim() === '') {
      delete next[key];
    }
    setJsonData(next);
  };
  const onPort = (event: ChangeEvent<HTMLInputElement>) => {
    const raw = event.currentTarget.value.trim();
    const next: Options = { ...jsonData };
    if (raw === '' || !Number.isFinite(Number(raw))) {
      delete next.clickhousePort;
    } else {
      next.clickhousePort = Number(raw);
    }
    setJsonData(next);
  };
  const onSwitch = (key: 'clickhouseTls' | 'clickhouseSkipVerify') => (event: ChangeEvent<HTMLInputElement>) =>
    setJsonData({ ...jsonData, [key]: event.currentTarget.checked });

  const secureFields = options.secureJsonFields ?? {};
  const onPasswordChange = (event: ChangeEvent<HTMLInputElement>) =>
    onOptionsChange({
      ...options,
      secureJsonData: { ...options.secureJsonData, clickhousePassword: event.currentTarget.value },
    });
  const onPasswordReset = () =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureFields, clickhousePassword: false },
      secureJsonData: { ...options.secureJsonData, clickhousePassword: '' },
    });

  const host = hostProblem(jsonData);
  const port = portProblem(jsonData.clickhousePort);
  return (
    <>
      <Field label="Store" description={STORES.find((s) => s.value === store)?.description}>
        <RadioButtonGroup
          options={STORES.map(({ label, value }) => ({ label, value }))}
          value={store}
          onChange={(value) => setJsonData({ ...jsonData, store: value })}
        />
      </Field>
      {store === 'clickhouse' && (
        <>
          <TextSetting
            {...TEXT_SETTINGS.clickhouseHost}
            value={jsonData.clickhouseHost}
            onChange={onText('clickhouseHost')}
            error={host}
          />
          <Field
            label="Port"
            description="Native protocol port (9000, or 9440 with TLS)."
            invalid={!!port}
            error={port}
          >
            <Input
              id="vigil-config-clickhousePort"
              type="number"
              min={1}
              max={65535}
              value={jsonData.clickhousePort ?? ''}
              placeholder={jsonData.clickhouseTls ? '9440' : '9000'}
              width={20}
              onChange={onPort}
            />
          </Field>
          {(['clickhouseDatabase', 'clickhouseCluster', 'clickhouseUser'] as const).map((key) => (
            <TextSetting key={key} {...TEXT_SETTINGS[key]} value={jsonData[key]} onChange={onText(key)} />
          ))}
          <Field label="Password">
            <SecretInput
              id="vigil-config-clickhousePassword"
              placeholder="Password"
              isConfigured={!!secureFields.clickhousePassword}
              value={options.secureJsonData?.clickhousePassword ?? ''}
              width={30}
              onChange={onPasswordChange}
              onReset={onPasswordReset}
            />
          </Field>
          <Field label="TLS" description="Connect with TLS.">
            <Switch
              id="vigil-config-clickhouseTls"
              value={!!jsonData.clickhouseTls}
              onChange={onSwitch('clickhouseTls')}
            />
          </Field>
          {jsonData.clickhouseTls && (
            <Field
              label="Skip certificate check"
              description="Accept any server certificate (self-signed test servers only)."
            >
              <Switch
                id="vigil-config-clickhouseSkipVerify"
                value={!!jsonData.clickhouseSkipVerify}
                onChange={onSwitch('clickhouseSkipVerify')}
              />
            </Field>
          )}
        </>
      )}
    </>
  );
}
