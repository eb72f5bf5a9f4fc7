import React, { useMemo } from 'react';

import { useEditorContext } from '../context';
import { Field } from '../layout';
import { useEnvironments, useModels, useVersionOptions, type VersionOption } from '../useResource';
import {
  emptyMessage,
  listingHint,
  loadErrorMessage,
  MultiPicker,
  Picker,
  variableOptions,
  type Option,
} from './pickers';

function count(n: number, what: string): string {
  return `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;
}

interface ModelFieldProps {
  id: string;
  value: string | undefined;
  /** Whether the query runs without a model (over every model). */
  optional: boolean;
  onChange: (model: string | undefined) => void;
}

/** The model, picked from `GET models`; a dashboard variable such as `$model` can be typed or picked. */
export function ModelField({ id, value, optional, onChange }: ModelFieldProps) {
  const { problems, variables } = useEditorContext();
  const models = useModels();
  const options = useMemo<Option[]>(
    () => [
      ...(models.value ?? []).map((model) => ({
        value: model.name,
        label: model.name,
        description: `${count(model.records, 'record')} · ${model.versions.join(', ')}`,
      })),
      ...variableOptions(variables),
    ],
    [models.value, variables]
  );
  const error = problems.model ?? loadErrorMessage('models', models.error);

  return (
    <Field label="Model" optional={optional} invalid={!!error} error={error} width="medium">
      <Picker
        id={id}
        value={value}
        options={options}
        loading={models.loading}
        placeholder={optional ? 'every model' : 'Choose a model'}
        clearable
        noOptionsMessage={emptyMessage('models')}
        onChange={onChange}
      />
    </Field>
  );
}

/** The versions of a model as options, each described by its status and environments, then the variables. */
function useVersionPickerOptions(model: string | undefined) {
  const { variables } = useEditorContext();
  const versions = useVersionOptions(model);
  const options = useMemo<Option[]>(
    () => [
      ...(versions.value ?? []).map(({ version, environments, status }: VersionOption) => ({
        value: version,
        label: version,
        description: [status, environments.join(', ')].filter(Boolean).join(' · ') || undefined,
      })),
      ...variableOptions(variables),
    ],
    [versions.value, variables]
  );
  return { versions, options };
}

interface VersionsFieldProps {
  id: string;
  model: string | undefined;
  value: string[] | undefined;
  onChange: (versions: string[] | undefined) => void;
}

/** The versions a query keeps, picked from `GET models/{model}/versions`; none means every version. */
export function VersionsField({ id, model, value, onChange }: VersionsFieldProps) {
  const { problems } = useEditorContext();
  const { versions, options } = useVersionPickerOptions(model);
  const error = problems.versions ?? loadErrorMessage('versions', versions.error);

  return (
    <Field label="Versions" optional tooltip="Empty means every version" invalid={!!error} error={error} width="long">
      <MultiPicker
        id={id}
        value={value}
        options={options}
        loading={versions.loading}
        placeholder="every version"
        hint={listingHint('versions', versions.templated, false)}
        noOptionsMessage={emptyMessage('versions')}
        onChange={(next) => onChange(next.length > 0 ? next : undefined)}
      />
    </Field>
  );
}

interface SingleFieldProps {
  id: string;
  label: string;
  model: string | undefined;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
  optional?: boolean;
  placeholder?: string;
  tooltip?: string;
  /** Option path whose problem the field shows, e.g. `reference.version`. */
  problemKey: string;
}

/** One version of the model, e.g. the version a reference compares with. */
export function VersionField(props: SingleFieldProps) {
  const { versions, options } = useVersionPickerOptions(props.model);
  return <SingleListingField {...props} what="versions" listing={versions} options={options} />;
}

/** One environment of the model (training, production, shadow…). */
export function EnvironmentField(props: SingleFieldProps) {
  const { variables } = useEditorContext();
  const environments = useEnvironments(props.model);
  const options = useMemo<Option[]>(
    () => [
      ...(environments.value ?? []).map((environment) => ({ value: environment, label: environment })),
      ...variableOptions(variables),
    ],
    [environments.value, variables]
  );
  return <SingleListingField {...props} what="environments" listing={environments} options={options} />;
}

interface SingleListingFieldProps extends SingleFieldProps {
  what: 'versions' | 'environments';
  listing: { loading: boolean; error?: string; templated?: boolean };
  options: Option[];
}

/** One value picked from a listing of the model (its versions or environments). */
function SingleListingField({
  id,
  label,
  value,
  onChange,
  optional,
  placeholder,
  tooltip,
  problemKey,
  what,
  listing,
  options,
}: SingleListingFieldProps) {
  const { problems } = useEditorContext();
  const error = problems[problemKey] ?? loadErrorMessage(what, listing.error);

  return (
    <Field label={label} optional={optional} tooltip={tooltip} invalid={!!error} error={error} width="medium">
      <Picker
        id={id}
        value={value}
        options={options}
        loading={listing.loading}
        placeholder={placeholder}
        clearable={optional}
        hint={listingHint(what, listing.templated, false)}
        noOptionsMessage={emptyMessage(what)}
        onChange={onChange}
      />
    </Field>
  );
}
