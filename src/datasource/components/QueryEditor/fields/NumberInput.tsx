import React, { useState } from 'react';
import { Input } from '@grafana/ui';

import { withOption } from '../../../queryOptions';
import { useEditorContext } from '../context';
import { Field, FIELD_WIDTHS, useFieldWidth, type FieldWidth } from '../layout';
import type { QueryTypeEditorProps } from '../types';

interface Props {
  id: string;
  value: number | undefined;
  /** Called as the user types; `undefined` means the option is unset (the backend default applies). */
  onChange: (value: number | undefined) => void;
  /** Called when the input loses focus, to run the query with the new value. */
  onBlur: () => void;
  placeholder?: string;
  /** In spacing units; default the width of the Field it is in. */
  width?: number;
}

/**
 * A number option. What the user types is kept as typed (so `2.5` or `-1` can be flagged at the field)
 * and stored as a number; an empty input unsets the option.
 */
export function NumberInput({ id, value, onChange, onBlur, placeholder, width }: Props) {
  const fieldWidth = useFieldWidth();
  const [text, setText] = useState(value === undefined ? '' : String(value));
  const [shown, setShown] = useState(value);

  // Follow changes made outside this input (another editor, a query reset) while keeping the user's typing.
  if (value !== shown) {
    setShown(value);
    if (value === undefined ? text.trim() !== '' : Number(text) !== value) {
      setText(value === undefined ? '' : String(value));
    }
  }

  return (
    <Input
      id={id}
      type="number"
      value={text}
      placeholder={placeholder}
      width={width ?? fieldWidth ?? FIELD_WIDTHS.number}
      onChange={(event) => {
        const raw = event.currentTarget.value;
        setText(raw);
        const number = raw.trim() === '' ? undefined : Number(raw);
        const next = number === undefined || Number.isNaN(number) ? undefined : number;
        setShown(next);
        onChange(next);
      }}
      onBlur={onBlur}
    />
  );
}

/** Whole-number options of a query that a NumberOptionField edits. */
export type NumberOption = 'minCount' | 'limit' | 'minClusterSize' | 'referenceLimit' | 'currentLimit' | 'minGroupSize';

interface NumberOptionFieldProps extends QueryTypeEditorProps {
  option: NumberOption;
  label: string;
  tooltip: string;
  placeholder: string;
  width?: FieldWidth;
  /** The input's id is `vigil-<idName>-<refId>`; idName defaults to the option. */
  idName?: string;
}

/** An optional whole-number option of the query, with the editor's problem for it shown at the field. */
export function NumberOptionField({
  query,
  onChange,
  onRun,
  option,
  label,
  tooltip,
  placeholder,
  width = 'number',
  idName = option,
}: NumberOptionFieldProps) {
  const { problems } = useEditorContext();
  return (
    <Field label={label} optional tooltip={tooltip} invalid={!!problems[option]} error={problems[option]} width={width}>
      <NumberInput
        id={`vigil-${idName}-${query.refId}`}
        value={query[option]}
        placeholder={placeholder}
        onChange={(value) => onChange(withOption(query, option, value), false)}
        onBlur={onRun}
      />
    </Field>
  );
}
