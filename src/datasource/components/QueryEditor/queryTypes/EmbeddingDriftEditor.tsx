import React from 'react';
import { EditorRow } from '@grafana/plugin-ui';

import { MetricField } from '../fields/MetricField';
import { ReferenceEditor } from '../fields/ReferenceEditor';
import type { QueryTypeEditorProps } from '../types';

export function EmbeddingDriftEditor(props: QueryTypeEditorProps) {
  return (
    <EditorRow>
      <MetricField {...props} />
      <ReferenceEditor {...props} />
    </EditorRow>
  );
}
