import React, { useMemo } from 'react';

import type { FieldSummary } from '../../../types';
import { useEditorContext } from '../context';
import { Field, type FieldWidth } from '../layout';
import { useFeatures, useValues } from '../useResource';
import {
  emptyMessage,
  listingHint,
  loadErrorMessage,
  MultiPicker,
  Picker,
  variableOptions,
  type Option,
} from './pickers';

type FieldType = FieldSummary['type'];

/** Fields every record has besides its features and tags. */
export const RECORD_FIELDS: ReadonlyArray<{ ref: string; type: FieldType; description: string }> = [
  { ref: 'prediction.label', type: 'categorical', description: 'predicted class' },
  { ref: 'prediction.score', type: 'numeric', description: 'predicted score' },
  { ref: 'prediction.value', type: 'numeric', description: 'predicted value (regression)' },
  { ref: 'actual.label', type: 'categorical', description: 'true class' },
  { ref: 'actual.value', type: 'numeric', description: 'true value (regression)' },
  { ref: 'version', type: 'categorical', description: 'model version' },
  { ref: 'environment', type: 'categorical', description: 'environment' },
];

/** The canonical form of a field reference: a bare `NAME` means `features.NAME`. */
export function canonicalRef(ref: string): string {
  if (RECORD_FIELDS.some((field) => field.ref === ref) || ref.startsWith('features.') || ref.startsWith('tags.')) {
    return ref;
  }
  return `features.${ref}`;
}

/** Whether a field holds numbers or categories, when the model's schema (or the record) says so. */
export function fieldType(ref: string, fields: FieldSummary[] | undefined): FieldType | undefined {
  const canonical = canonicalRef(ref);
  return (
    RECORD_FIELDS.find((field) => field.ref === canonical)?.type ??
    fields?.find((field) => field.ref === canonical)?.type
  );
}

interface FieldOptionsConfig {
  /** Only fields whose values are categories (protected attributes). */
  categoricalOnly?: boolean;
  /** Offer the record fields (prediction, actual, version, environment) too. */
  recordFields?: boolean;
}

/** Field references of a model as picker options: its features, its tags, then the record fields. */
export function useFieldOptions(
  model: string | undefined,
  { categoricalOnly, recordFields = true }: FieldOptionsConfig
) {
  const { variables } = useEditorContext();
  const features = useFeatures(model);
  const options = useMemo<Option[]>(() => {
    const keep = (type: FieldType) => !categoricalOnly || type === 'categorical';
    return [
      ...(features.value ?? [])
        .filter((field) => keep(field.type))
        .map((field) => ({
          value: field.ref,
          label: field.ref,
          description: field.type,
          group: field.kind === 'tag' ? 'Tags' : 'Features',
        })),
      ...(recordFields ? RECORD_FIELDS : [])
        .filter((field) => keep(field.type))
        .map((field) => ({ value: field.ref, label: field.ref, description: field.description, group: 'Record' })),
      ...variableOptions(variables),
    ];
  }, [features.value, categoricalOnly, recordFields, variables]);
  return { features, options };
}

interface FieldRefFieldProps {
  id: string;
  label: string;
  model: string | undefined;
  value: string | undefined;
  onChange: (ref: string | undefined) => void;
  problemKey: string;
  tooltip?: string;
  placeholder?: string;
  categoricalOnly?: boolean;
  width?: FieldWidth;
}

/** One field reference (`features.income`, `tags.sex`, `prediction.label`…) picked from the model's fields. */
export function FieldRefField({
  id,
  label,
  model,
  value,
  onChange,
  problemKey,
  tooltip,
  placeholder = 'Choose a field',
  categoricalOnly,
  width = 'medium',
}: FieldRefFieldProps) {
  const { problems } = useEditorContext();
  const { features, options } = useFieldOptions(model, { categoricalOnly });
  const error = problems[problemKey] ?? loadErrorMessage('fields', features.error);

  return (
    <Field label={label} tooltip={tooltip} invalid={!!error} error={error} width={width}>
      <Picker
        id={id}
        value={value}
        options={options}
        loading={features.loading}
        placeholder={placeholder}
        hint={listingHint('fields', features.templated, !model)}
        noOptionsMessage={emptyMessage('fields')}
        onChange={onChange}
      />
    </Field>
  );
}

interface FieldRefsFieldProps {
  id: string;
  label: string;
  model: string | undefined;
  value: string[] | undefined;
  onChange: (refs: string[] | undefined) => void;
  problemKey: string;
  tooltip?: string;
  placeholder?: string;
  optional?: boolean;
  recordFields?: boolean;
  width?: FieldWidth;
}

/** Several field references picked from the model's fields. */
export function FieldRefsField({
  id,
  label,
  model,
  value,
  onChange,
  problemKey,
  tooltip,
  placeholder,
  optional,
  recordFields,
  width = 'long',
}: FieldRefsFieldProps) {
  const { problems } = useEditorContext();
  const { features, options } = useFieldOptions(model, { recordFields });
  const error = problems[problemKey] ?? loadErrorMessage('fields', features.error);

  return (
    <Field label={label} optional={optional} tooltip={tooltip} invalid={!!error} error={error} width={width}>
      <MultiPicker
        id={id}
        value={value}
        options={options}
        loading={features.loading}
        placeholder={placeholder}
        hint={listingHint('fields', features.templated, !model)}
        noOptionsMessage={emptyMessage('fields')}
        onChange={(next) => onChange(next.length > 0 ? next : undefined)}
      />
    </Field>
  );
}

function valueOptions(values: Array<{ value: string; count: number }> | undefined, variables: string[]): Option[] {
  return [
    ...(values ?? []).map(({ value, count }) => ({
      value,
      label: value,
      description: `${count.toLocaleString('en-US')} record${count === 1 ? '' : 's'}`,
    })),
    ...variableOptions(variables),
  ];
}

/** Values of a field, most frequent first, from `GET models/{model}/values?field=REF`. */
export function useValueOptions(model: string | undefined, field: string | undefined) {
  const { variables } = useEditorContext();
  const values = useValues(model, field ? canonicalRef(field) : undefined);
  const options = useMemo(() => valueOptions(values.value, variables), [values.value, variables]);
  return { values, options };
}
