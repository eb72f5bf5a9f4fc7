import React from 'react';
import { EditorRow } from '@grafana/plugin-ui';

import { FairnessEditor } from '../fields/FairnessEditor';
import { MetricField } from '../fields/MetricField';
import type { QueryTypeEditorProps } from '../types';

export function FairnessQueryEditor(props: QueryTypeEditorProps) {
  return (
    <>
      <EditorRow>
        <MetricField {...props} />
      </EditorRow>
      <EditorRow>
        <FairnessEditor {...props} />
      </EditorRow>
    </>
  );
}
