import React from 'react';
import { Input } from '@grafana/ui';

import { FIELD_WIDTHS, useFieldWidth } from '../layout';

interface Props {
  id: string;
  value: string | undefined;
  /** Called as the user types, and with the trimmed value on blur; `undefined` means the option is unset. */
  onChange: (value: string | undefined) => void;
  /** Called when the input loses focus, to run the query with the new value. */
  onBlur: () => void;
  placeholder?: string;
  /** In spacing units; default the width of the Field it is in. */
  width?: number;
}

export function TextInput({ id, value, onChange, onBlur, placeholder, width }: Props) {
  const toValue = (text: string) => (text.trim() === '' ? undefined : text);
  const fieldWidth = useFieldWidth();

  return (
    <Input
      id={id}
      value={value ?? ''}
      placeholder={placeholder}
      width={width ?? fieldWidth ?? FIELD_WIDTHS.medium}
      onChange={(event) => onChange(toValue(event.currentTarget.value))}
      onBlur={(event) => {
        const trimmed = toValue(event.currentTarget.value.trim());
        if (trimmed !== value) {
          onChange(trimmed);
        }
        onBlur();
      }}
    />
  );
}
