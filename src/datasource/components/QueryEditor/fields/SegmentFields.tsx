import React from 'react';

import { withOption } from '../../../queryOptions';
import type { QueryTypeEditorProps } from '../types';
import { FieldRefsField } from './FieldRefs';
import { NumberOptionField } from './NumberInput';

/**
 * The fields of a trace over segments (one value of a feature): the features traced, the smallest segment ranked
 * and how many segments are answered. Bias and performance traces differ only in what a segment's size counts.
 */
export function SegmentFields(props: QueryTypeEditorProps & { idName: string; sizeTooltip: string }) {
  const { query, onChange, idName, sizeTooltip } = props;
  return (
    <>
      <FieldRefsField
        id={`vigil-${idName}-features-${query.refId}`}
        label="Features to trace"
        optional
        tooltip="Features and tags whose values are ranked by their contribution; empty traces every feature"
        model={query.model}
        value={query.features}
        recordFields={false}
        placeholder="every feature"
        problemKey="features"
        width="wide"
        onChange={(features) => onChange(withOption(query, 'features', features))}
      />
      <NumberOptionField
        {...props}
        option="minCount"
        idName="mincount"
        label="Smallest segment"
        tooltip={sizeTooltip}
        placeholder="30"
        width="short"
      />
      <NumberOptionField
        {...props}
        option="limit"
        idName="segments"
        label="Segments"
        tooltip="Largest number of segments answered, ranked first"
        placeholder="200"
        width="number"
      />
    </>
  );
}
