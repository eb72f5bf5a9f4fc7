import React, { useMemo } from 'react';

import { withOption } from '../../../queryOptions';
import { useEditorContext } from '../context';
import { Field } from '../layout';
import type { QueryTypeEditorProps } from '../types';
import { useFeatures } from '../useResource';
import {
  emptyMessage,
  listingHint,
  loadErrorMessage,
  MultiPicker,
  Picker,
  variableOptions,
  type Option,
} from './pickers';

/** The model's features by name (not tags), as `drift` and `distribution` name them. */
function useFeatureNames(model: string | undefined) {
  const { variables } = useEditorContext();
  const features = useFeatures(model);
  const options = useMemo<Option[]>(
    () => [
      ...(features.value ?? [])
        .filter((field) => field.kind === 'feature')
        .map((field) => ({ value: field.name, label: field.name, description: field.type })),
      ...variableOptions(variables),
    ],
    [features.value, variables]
  );
  return { features, options };
}

/** The features a drift query compares; none means every feature of the model. */
export function FeaturesField({ query, onChange }: QueryTypeEditorProps) {
  const { problems } = useEditorContext();
  const { features, options } = useFeatureNames(query.model);
  const error = problems.features ?? loadErrorMessage('features', features.error);

  return (
    <Field
      label="Features"
      optional
      tooltip="Empty means every feature; a multi-value variable such as $feature expands to its values"
      invalid={!!error}
      error={error}
      width="wide"
    >
      <MultiPicker
        id={`vigil-features-${query.refId}`}
        value={query.features}
        options={options}
        loading={features.loading}
        placeholder="every feature"
        hint={listingHint('features', features.templated, !query.model)}
        noOptionsMessage={emptyMessage('features')}
        onChange={(features) => onChange(withOption(query, 'features', features))}
      />
    </Field>
  );
}

/** The one feature whose histogram a distribution query shows. */
export function FeatureField({ query, onChange }: QueryTypeEditorProps) {
  const { problems } = useEditorContext();
  const { features, options } = useFeatureNames(query.model);
  const error = problems.features ?? loadErrorMessage('features', features.error);
  const chosen = query.features ?? [];

  return (
    <Field
      label="Feature"
      tooltip="The feature whose histogram is compared with the reference"
      invalid={!!error}
      error={error}
      width="medium"
    >
      <Picker
        id={`vigil-feature-${query.refId}`}
        // Several features are an error shown at the field; the first one is shown so it can be replaced.
        value={chosen[0]}
        options={options}
        loading={features.loading}
        placeholder="Choose a feature"
        hint={listingHint('features', features.templated, !query.model)}
        noOptionsMessage={emptyMessage('features')}
        onChange={(feature) => onChange({ ...query, features: feature ? [feature] : [] })}
      />
    </Field>
  );
}
