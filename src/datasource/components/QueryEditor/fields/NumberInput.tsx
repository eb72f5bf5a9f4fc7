import React, { useState } from 'react';
import { Input } from '@grafana/ui';

interface Props {
  id: string;
  value: number | undefined;
  /** Called as the user types; `undefined` means the option is unset (the backend default applies). */
  onChange: (value: number | undefined) => void;
  /** Called when the input loses focus, to run the query with the new value. */
  onBlur: () => void;
  placeholder?: string;
  width?: number;
}

/**
 * A number option. What the user types is kept as typed (so `2.5` or `-1` can be flagged at the field)
 * and stored as a number; an empty input unsets the option.
 */
export function NumberInput({ id, value, onChange, onBlur, placeholder, width = 14 }: Props) {
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
      width={width}
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
