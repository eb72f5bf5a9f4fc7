import React from 'react';
import { EditorField, EditorFieldGroup } from '@grafana/plugin-ui';
import { Combobox } from '@grafana/ui';

import { REFERENCE_TYPE_LABELS } from '../../../../shared/labels';
import { REFERENCE_TYPES, type Reference, type ReferenceType } from '../../../types';
import type { QueryTypeEditorProps } from '../types';
import { TextInput } from './TextInput';

const TYPE_OPTIONS = REFERENCE_TYPES.map((type) => ({ value: type, ...REFERENCE_TYPE_LABELS[type] }));

/** Which fields each reference type reads. */
const REFERENCE_FIELDS: Record<
  ReferenceType,
  Array<{ key: Exclude<keyof Reference, 'type'>; label: string; placeholder: string; optional?: boolean }>
> = {
  environment: [
    { key: 'environment', label: 'Reference environment', placeholder: 'training' },
    { key: 'version', label: 'Reference version', placeholder: 'any version', optional: true },
  ],
  version: [{ key: 'version', label: 'Reference version', placeholder: 'v1' }],
  window: [
    { key: 'from', label: 'From', placeholder: '2026-01-01T00:00:00Z' },
    { key: 'to', label: 'To', placeholder: '2026-01-08T00:00:00Z' },
  ],
  rolling: [{ key: 'window', label: 'Window', placeholder: '7d' }],
};

/** What the current data is compared with. */
export function ReferenceEditor({ query, onChange, onRunQuery }: QueryTypeEditorProps) {
  const reference = query.reference;
  const id = (key: string) => `vigil-reference-${key}-${query.refId}`;

  const onTypeChange = (type: ReferenceType) => {
    // Fields of the previous type mean nothing for the new one.
    const kept = REFERENCE_FIELDS[type].reduce<Reference>(
      (next, { key }) => (reference?.[key] === undefined ? next : { ...next, [key]: reference[key] }),
      { type }
    );
    onChange({ ...query, reference: kept });
    onRunQuery();
  };

  const onFieldChange = (key: Exclude<keyof Reference, 'type'>, value: string | undefined) => {
    if (!reference) {
      return;
    }
    const next: Reference = { ...reference, [key]: value };
    if (value === undefined) {
      delete next[key];
    }
    onChange({ ...query, reference: next });
  };

  return (
    <EditorFieldGroup>
      <EditorField label="Reference" width={20}>
        <Combobox<ReferenceType>
          id={id('type')}
          options={TYPE_OPTIONS}
          value={reference?.type ?? null}
          onChange={(option) => onTypeChange(option.value)}
        />
      </EditorField>
      {reference &&
        REFERENCE_FIELDS[reference.type].map(({ key, label, placeholder, optional }) => (
          <EditorField key={key} label={label} optional={optional} width={20}>
            <TextInput
              id={id(key)}
              value={reference[key]}
              placeholder={placeholder}
              onChange={(value) => onFieldChange(key, value)}
              onBlur={onRunQuery}
            />
          </EditorField>
        ))}
    </EditorFieldGroup>
  );
}
