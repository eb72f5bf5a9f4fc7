import React from 'react';
import { EditorFieldGroup } from '@grafana/plugin-ui';

import { REFERENCE_TYPE_LABELS } from '../../../../shared/labels';
import { DEFAULT_REFERENCE, REFERENCE_TYPES, type Reference, type ReferenceType } from '../../../types';
import { useEditorContext } from '../context';
import { Field, type FieldWidth } from '../layout';
import type { QueryTypeEditorProps } from '../types';
import { EnvironmentField, VersionField } from './ModelFields';
import { Choice } from './pickers';
import { TextInput } from './TextInput';

const TYPE_OPTIONS = REFERENCE_TYPES.map((type) => ({ value: type, ...REFERENCE_TYPE_LABELS[type] }));

type ReferenceOption = Exclude<keyof Reference, 'type'>;

/** Which options each reference type reads. */
const REFERENCE_OPTIONS: Record<ReferenceType, ReferenceOption[]> = {
  environment: ['environment', 'version'],
  version: ['version'],
  window: ['from', 'to'],
  rolling: ['window'],
};

const TIME_TOOLTIP =
  'RFC 3339 (2026-01-01T00:00:00Z), epoch milliseconds, now or now-7d (relative to the end of the time range)';

/** What the current data is compared with: an environment (+ version), a version, a fixed or a rolling window. */
export function ReferenceEditor({ query, onChange, onRun }: QueryTypeEditorProps) {
  const { problems } = useEditorContext();
  // The backend compares with the training environment when the query has no reference.
  const reference = query.reference ?? DEFAULT_REFERENCE;
  const id = (key: string) => `vigil-reference-${key}-${query.refId}`;

  const onTypeChange = (type: ReferenceType) => {
    // Options of the previous type mean nothing for the new one.
    const next: Reference = { type };
    for (const key of REFERENCE_OPTIONS[type]) {
      if (reference[key] !== undefined) {
        next[key] = reference[key];
      }
    }
    if (type === 'environment' && !next.environment) {
      next.environment = DEFAULT_REFERENCE.environment;
    }
    onChange({ ...query, reference: next });
  };

  const set = (key: ReferenceOption, value: string | undefined, run = true) => {
    const next: Reference = { ...reference, [key]: value };
    if (value === undefined) {
      delete next[key];
    }
    onChange({ ...query, reference: next }, run);
  };

  const text = (
    key: 'from' | 'to' | 'window',
    label: string,
    placeholder: string,
    tooltip: string,
    width: FieldWidth
  ) => (
    <Field
      key={key}
      label={label}
      tooltip={tooltip}
      invalid={!!problems[`reference.${key}`]}
      error={problems[`reference.${key}`]}
      width={width}
    >
      <TextInput
        id={id(key)}
        value={reference[key]}
        placeholder={placeholder}
        onChange={(value) => set(key, value, false)}
        onBlur={onRun}
      />
    </Field>
  );

  return (
    <EditorFieldGroup>
      <Field label="Reference" tooltip="What the current data is compared with" width="medium">
        <Choice<ReferenceType> id={id('type')} options={TYPE_OPTIONS} value={reference.type} onChange={onTypeChange} />
      </Field>
      {reference.type === 'environment' && (
        <EnvironmentField
          id={id('environment')}
          label="Reference environment"
          model={query.model}
          value={reference.environment}
          placeholder="training"
          problemKey="reference.environment"
          onChange={(value) => set('environment', value)}
        />
      )}
      {(reference.type === 'environment' || reference.type === 'version') && (
        <VersionField
          id={id('version')}
          label="Reference version"
          optional={reference.type === 'environment'}
          tooltip={
            reference.type === 'environment'
              ? 'Compare with one version of the environment; empty means all of its versions'
              : 'The version the current data is compared with'
          }
          model={query.model}
          value={reference.version}
          placeholder={reference.type === 'environment' ? 'any version' : 'Choose a version'}
          problemKey="reference.version"
          onChange={(value) => set('version', value)}
        />
      )}
      {reference.type === 'window' && [
        text('from', 'From', 'now-30d', TIME_TOOLTIP, 'medium'),
        text('to', 'To', 'now-7d', TIME_TOOLTIP, 'medium'),
      ]}
      {reference.type === 'rolling' &&
        text(
          'window',
          'Window',
          '7d',
          'The span just before each bucket that the bucket is compared with, e.g. 7d',
          'short'
        )}
    </EditorFieldGroup>
  );
}
