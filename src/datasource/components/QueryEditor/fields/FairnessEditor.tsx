import React from 'react';
import { EditorField, EditorFieldGroup } from '@grafana/plugin-ui';

import type { FairnessGroups } from '../../../types';
import type { QueryTypeEditorProps } from '../types';
import { ListInput } from './ListInput';
import { TextInput } from './TextInput';

const EMPTY_GROUPS: FairnessGroups = { attribute: '', protected: [], reference: [], favorable: '' };

/** The protected attribute and the groups that fairness metrics compare. */
export function FairnessEditor({ query, onChange, onRunQuery }: QueryTypeEditorProps) {
  const groups = { ...EMPTY_GROUPS, ...query.fairness };
  const id = (key: string) => `vigil-fairness-${key}-${query.refId}`;
  const update = (patch: Partial<FairnessGroups>) => onChange({ ...query, fairness: { ...groups, ...patch } });

  return (
    <EditorFieldGroup>
      <EditorField label="Protected attribute" tooltip="A field reference such as tags.sex or features.age_band">
        <TextInput
          id={id('attribute')}
          value={groups.attribute}
          placeholder="tags.sex"
          onChange={(attribute) => update({ attribute: attribute ?? '' })}
          onBlur={onRunQuery}
        />
      </EditorField>
      <EditorField label="Protected group" tooltip="Values of the attribute in the unprivileged group, comma-separated">
        <ListInput
          id={id('protected')}
          value={groups.protected}
          placeholder="F"
          onCommit={(values) => {
            update({ protected: values });
            onRunQuery();
          }}
        />
      </EditorField>
      <EditorField label="Reference group" tooltip="Values of the attribute in the privileged group, comma-separated">
        <ListInput
          id={id('reference')}
          value={groups.reference}
          placeholder="M"
          onCommit={(values) => {
            update({ reference: values });
            onRunQuery();
          }}
        />
      </EditorField>
      <EditorField
        label="Favourable label"
        tooltip="The prediction or actual label that counts as the favourable outcome"
      >
        <TextInput
          id={id('favorable')}
          value={groups.favorable}
          placeholder="1"
          onChange={(favorable) => update({ favorable: favorable ?? '' })}
          onBlur={onRunQuery}
        />
      </EditorField>
    </EditorFieldGroup>
  );
}
