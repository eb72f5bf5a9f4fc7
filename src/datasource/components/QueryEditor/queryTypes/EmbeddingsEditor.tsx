import React from 'react';
import { EditorField, EditorRow } from '@grafana/plugin-ui';
import { Input } from '@grafana/ui';

import { ReferenceEditor } from '../fields/ReferenceEditor';
import type { QueryTypeEditorProps } from '../types';
import { withOption } from '../withOption';

export function EmbeddingsEditor(props: QueryTypeEditorProps) {
  const { query, onChange, onRunQuery } = props;

  return (
    <EditorRow>
      <EditorField label="Points" optional tooltip="Largest number of sampled points returned" width={18}>
        <Input
          id={`vigil-limit-${query.refId}`}
          type="number"
          min={1}
          step={1}
          value={query.limit ?? ''}
          placeholder="max sample size"
          onChange={(event) => {
            const limit = Number(event.currentTarget.value);
            onChange(withOption(query, 'limit', Number.isInteger(limit) && limit > 0 ? limit : undefined));
          }}
          onBlur={onRunQuery}
        />
      </EditorField>
      <ReferenceEditor {...props} />
    </EditorRow>
  );
}
