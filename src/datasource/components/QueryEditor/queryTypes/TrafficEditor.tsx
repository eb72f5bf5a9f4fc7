import React from 'react';
import { EditorRow } from '@grafana/plugin-ui';

import { MetricField } from '../fields/MetricField';
import type { QueryTypeEditorProps } from '../types';

export function TrafficEditor(props: QueryTypeEditorProps) {
  return (
    <EditorRow>
      <MetricField {...props} />
    </EditorRow>
  );
}
