import React from 'react';
import { EditorField, EditorRow } from '@grafana/plugin-ui';

import { ReferenceEditor } from '../fields/ReferenceEditor';
import { TextInput } from '../fields/TextInput';
import type { QueryTypeEditorProps } from '../types';
import { withOption } from '../withOption';

export function DistributionEditor(props: QueryTypeEditorProps) {
  const { query, onChange, onRunQuery } = props;

  return (
    <EditorRow>
      <EditorField label="Feature" tooltip="The feature whose histogram is compared with the reference" width={20}>
        <TextInput
          id={`vigil-feature-${query.refId}`}
          value={query.features?.[0]}
          placeholder="income"
          onChange={(feature) => onChange(withOption(query, 'features', feature === undefined ? undefined : [feature]))}
          onBlur={onRunQuery}
        />
      </EditorField>
      <ReferenceEditor {...props} />
    </EditorRow>
  );
}
