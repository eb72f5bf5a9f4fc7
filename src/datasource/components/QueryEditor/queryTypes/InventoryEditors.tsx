import React from 'react';
import { EditorRow } from '@grafana/plugin-ui';

import { MetricField } from '../fields/MetricField';
import { StatusField } from '../fields/StatusField';
import type { QueryTypeEditorProps } from '../types';

/** Records per model and version over time, or each version's share of its model's traffic. */
export function TrafficEditor(props: QueryTypeEditorProps) {
  return (
    <EditorRow>
      <MetricField {...props} />
      <StatusField {...props} />
    </EditorRow>
  );
}

/** The table of models, versions and environments with their lifecycle status and record counts. */
export function ModelsEditor(props: QueryTypeEditorProps) {
  return (
    <EditorRow>
      <StatusField {...props} />
    </EditorRow>
  );
}
