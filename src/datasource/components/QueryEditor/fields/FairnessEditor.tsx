import React from 'react';
import { EditorFieldGroup } from '@grafana/plugin-ui';

import type { FairnessGroups } from '../../../types';
import { useEditorContext } from '../context';
import { Field } from '../layout';
import type { QueryTypeEditorProps } from '../types';
import { useFeatures } from '../useResource';
import { fieldType, FieldRefField, useValueOptions } from './FieldRefs';
import { emptyMessage, listingHint, loadErrorMessage, MultiPicker, Picker } from './pickers';

const EMPTY_GROUPS: FairnessGroups = { attribute: '', protected: [], reference: [], favorable: '' };

/** The protected attribute, the groups the fairness metrics compare, and the favourable outcome. */
export function FairnessEditor({ query, onChange }: QueryTypeEditorProps) {
  const { problems } = useEditorContext();
  const groups: FairnessGroups = { ...EMPTY_GROUPS, ...query.fairness };
  const id = (key: string) => `vigil-fairness-${key}-${query.refId}`;
  const update = (patch: Partial<FairnessGroups>) => onChange({ ...query, fairness: { ...groups, ...patch } });

  const features = useFeatures(query.model);
  const attribute = groups.attribute || undefined;
  const numericAttribute = attribute !== undefined && fieldType(attribute, features.value) === 'numeric';
  // Values are listed for categorical attributes; wait for the schema to tell, unless it could not be loaded.
  const members = useValueOptions(query.model, numericAttribute || features.loading ? undefined : attribute);
  // The favourable outcome is a label, compared with predicted and true labels.
  const labels = useValueOptions(query.model, 'prediction.label');

  const membersHint = attribute
    ? listingHint('values', members.values.templated, !query.model)
    : 'Choose the protected attribute to list its values; or type a value.';
  const membersError = loadErrorMessage('values', members.values.error);

  const groupField = (key: 'protected' | 'reference', label: string, tooltip: string) => {
    const error = problems[`fairness.${key}`] ?? membersError;
    return (
      <Field label={label} tooltip={tooltip} invalid={!!error} error={error} width="long">
        <MultiPicker
          id={id(key)}
          value={groups[key]}
          options={members.options}
          loading={members.values.loading}
          placeholder="Choose values"
          hint={membersHint}
          noOptionsMessage={emptyMessage('values')}
          onChange={(values) => update({ [key]: values })}
        />
      </Field>
    );
  };

  return (
    <EditorFieldGroup>
      <FieldRefField
        id={id('attribute')}
        label="Protected attribute"
        tooltip="The field whose values define the groups, e.g. tags.sex or features.age_band"
        model={query.model}
        value={attribute}
        categoricalOnly
        problemKey="fairness.attribute"
        onChange={(ref) => update({ attribute: ref ?? '' })}
      />
      {groupField('protected', 'Protected group', 'Values of the attribute in the unprivileged group')}
      {groupField('reference', 'Reference group', 'Values of the attribute in the privileged group')}
      <Field
        label="Favourable label"
        tooltip="The predicted or true label that counts as the favourable outcome (default 1)"
        invalid={!!labels.values.error}
        error={loadErrorMessage('labels', labels.values.error)}
        width="short"
      >
        <Picker
          id={id('favorable')}
          value={groups.favorable || undefined}
          options={labels.options}
          loading={labels.values.loading}
          placeholder="1"
          hint={listingHint('labels', labels.values.templated, !query.model)}
          noOptionsMessage={emptyMessage('labels')}
          onChange={(favorable) => update({ favorable: favorable ?? '' })}
        />
      </Field>
    </EditorFieldGroup>
  );
}
