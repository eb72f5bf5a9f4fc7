import React from 'react';
import { EditorRow } from '@grafana/plugin-ui';

import { FairnessEditor } from '../fields/FairnessEditor';
import { FeaturesField } from '../fields/FeaturesField';
import type { QueryTypeEditorProps } from '../types';

export function BiasTraceEditor(props: QueryTypeEditorProps) {
  return (
    <>
      <EditorRow>
        <FairnessEditor {...props} />
      </EditorRow>
      <EditorRow>
        <FeaturesField
          {...props}
          label="Features to trace"
          tooltip="Comma-separated features whose values are ranked by their contribution to disparate impact"
        />
      </EditorRow>
    </>
  );
}
