import React, { useMemo } from 'react';

import { withOption } from '../../../queryOptions';
import { VERSION_STATUSES, type VersionStatus } from '../../../types';
import { useEditorContext } from '../context';
import { Field } from '../layout';
import type { QueryTypeEditorProps } from '../types';
import { MultiPicker, variableOptions } from './pickers';

const STATUS_DESCRIPTIONS: Record<VersionStatus, string> = {
  shadow: 'receives a copy of the traffic; its answers are not used',
  canary: 'serves a small share of the traffic',
  active: 'serves the traffic',
  deprecated: 'should receive no traffic any more',
};

/** Keeps the versions whose lifecycle status is one of these (`traffic`, `models`). */
export function StatusField({ query, onChange }: QueryTypeEditorProps) {
  const { problems, variables } = useEditorContext();
  const options = useMemo(
    () => [
      ...VERSION_STATUSES.map((status) => ({ value: status, label: status, description: STATUS_DESCRIPTIONS[status] })),
      ...variableOptions(variables),
    ],
    [variables]
  );

  return (
    <Field
      label="Status"
      optional
      tooltip="Keep versions with one of these lifecycle statuses, e.g. deprecated for a still-receiving-traffic alert"
      invalid={!!problems.status}
      error={problems.status}
      width="long"
    >
      <MultiPicker
        id={`vigil-status-${query.refId}`}
        value={query.status}
        options={options}
        placeholder="any status"
        onChange={(status) => onChange(withOption(query, 'status', status))}
      />
    </Field>
  );
}
