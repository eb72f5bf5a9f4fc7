import React, { useState } from 'react';
import { Input } from '@grafana/ui';

/** Splits a comma-separated list, dropping blanks: `"income, region,"` → `["income", "region"]`. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

interface Props {
  id: string;
  value: string[] | undefined;
  /** Called on blur with the parsed list when it changed; an empty list means the option is unset. */
  onCommit: (items: string[]) => void;
  placeholder?: string;
  width?: number;
}

/** A text input for a list of names, typed comma-separated; template variables may stand for several values. */
export function ListInput({ id, value, onCommit, placeholder, width }: Props) {
  const joined = (value ?? []).join(', ');
  const [text, setText] = useState(joined);
  const [shown, setShown] = useState(joined);

  // Follow changes made outside this input (another editor, a query reset) while keeping the user's typing otherwise.
  if (joined !== shown) {
    setShown(joined);
    setText(joined);
  }

  const commit = () => {
    const items = parseList(text);
    if (items.join(', ') !== joined) {
      onCommit(items);
    } else {
      setText(joined);
    }
  };

  return (
    <Input
      id={id}
      value={text}
      placeholder={placeholder}
      width={width}
      onChange={(event) => setText(event.currentTarget.value)}
      onBlur={commit}
    />
  );
}
