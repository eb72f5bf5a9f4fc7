import React from 'react';
import { EditorField } from '@grafana/plugin-ui';

import type { QueryTypeEditorProps } from '../types';
import { withOption } from '../withOption';
import { ListInput } from './ListInput';

interface Props extends QueryTypeEditorProps {
  label?: string;
  tooltip?: string;
}

/** The features a query compares or traces, typed comma-separated. */
export function FeaturesField({ query, onChange, onRunQuery, label = 'Features', tooltip }: Props) {
  return (
    <EditorField
      label={label}
      tooltip={
        tooltip ?? 'Comma-separated feature names; a multi-value variable such as $features expands to its values'
      }
      width={30}
    >
      <ListInput
        id={`vigil-features-${query.refId}`}
        value={query.features}
        placeholder="income, region"
        onCommit={(features) => {
          onChange(withOption(query, 'features', features.length > 0 ? features : undefined));
          onRunQuery();
        }}
      />
    </EditorField>
  );
}
