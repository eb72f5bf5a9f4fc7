import React from 'react';
import { EditorField, EditorRow } from '@grafana/plugin-ui';

import { MetricField } from '../fields/MetricField';
import { TextInput } from '../fields/TextInput';
import type { QueryTypeEditorProps } from '../types';
import { withOption } from '../withOption';

export function PerformanceEditor(props: QueryTypeEditorProps) {
  const { query, onChange, onRunQuery } = props;

  return (
    <EditorRow>
      <MetricField {...props} />
      <EditorField
        label="Group by"
        optional
        tooltip="A field reference that splits each series further, e.g. tags.channel"
        width={20}
      >
        <TextInput
          id={`vigil-groupby-${query.refId}`}
          value={query.groupBy}
          placeholder="tags.channel"
          onChange={(groupBy) => onChange(withOption(query, 'groupBy', groupBy))}
          onBlur={onRunQuery}
        />
      </EditorField>
    </EditorRow>
  );
}
