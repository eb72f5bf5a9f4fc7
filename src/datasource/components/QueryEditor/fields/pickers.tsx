import React, { useMemo } from 'react';
import { Combobox, MultiCombobox, type ComboboxOption } from '@grafana/ui';

import { FIELD_WIDTHS, useFieldWidth } from '../layout';

export type Option = ComboboxOption<string>;

const VARIABLES_GROUP = 'Dashboard variables';

/** Dashboard variables as picker options, after the listed values. */
export function variableOptions(variables: string[]): Option[] {
  return variables.map((variable) => ({ label: variable, value: variable, group: VARIABLES_GROUP }));
}

/** The message shown at a field whose options could not be loaded. */
export function loadErrorMessage(what: string, error: string | undefined): string | undefined {
  return error === undefined ? undefined : `Could not load the ${what}: ${error}. You can still type a value.`;
}

const HINT_VALUE = '\u0000hint';

/**
 * Why a picker lists none of the model's values: the model is a variable (known only when the query
 * runs), or no model is chosen yet. `undefined` otherwise.
 */
export function listingHint(what: string, templated: boolean | undefined, needsModel: boolean): string | undefined {
  if (templated) {
    return `The ${what} are listed once the model is not a variable; type a value.`;
  }
  if (needsModel) {
    return `Choose a model to list its ${what}; or type a value.`;
  }
  return undefined;
}

/** The options with the hint on top, as a line of the menu that cannot be picked. */
function withHint(options: Option[], hint: string | undefined): Option[] {
  return hint ? [{ value: HINT_VALUE, label: hint, infoOption: true }, ...options] : options;
}

/** What a picker's menu says when it has nothing to offer. */
export function emptyMessage(what: string): string {
  return `No ${what} found; type a value.`;
}

interface PickerProps {
  id: string;
  value: string | undefined;
  options: Option[];
  onChange: (value: string | undefined) => void;
  placeholder?: string;
  loading?: boolean;
  /** Shows an ✕ that unsets the option. */
  clearable?: boolean;
  /** In spacing units; default the width of the Field it is in. */
  width?: number;
  noOptionsMessage?: string;
  /** Shown on top of the menu, e.g. why the model's values are not listed. */
  hint?: string;
}

/**
 * One value from a list loaded from the resource API. Values not in the list (a dashboard variable, a
 * model not yet seen) can be typed, and a saved value is shown as it is even when the list lacks it.
 */
export function Picker({
  id,
  value,
  options,
  onChange,
  placeholder,
  loading,
  clearable,
  width,
  noOptionsMessage,
  hint,
}: PickerProps) {
  const shown = useMemo(() => withHint(options, hint), [options, hint]);
  const fieldWidth = useFieldWidth();
  const common = {
    id,
    options: shown,
    value: value ?? null,
    createCustomValue: true,
    loading,
    placeholder: loading ? 'Loading…' : placeholder,
    width: width ?? fieldWidth ?? FIELD_WIDTHS.medium,
    noOptionsMessage,
  };
  const choose = (chosen: string | undefined) => {
    if (chosen !== HINT_VALUE) {
      onChange(chosen || undefined);
    }
  };
  if (clearable) {
    return <Combobox<string> {...common} isClearable onChange={(option) => choose(option?.value)} />;
  }
  // Enter on a stale highlight (after typing) selects nothing: @grafana/ui then passes undefined.
  return <Combobox<string> {...common} onChange={(option) => option && choose(option.value)} />;
}

interface MultiPickerProps {
  id: string;
  value: string[] | undefined;
  options: Option[];
  /** Called with the chosen values; an empty list means none is chosen. */
  onChange: (values: string[]) => void;
  placeholder?: string;
  loading?: boolean;
  noOptionsMessage?: string;
  /** Shown on top of the menu, e.g. why the model's values are not listed. */
  hint?: string;
  /** In spacing units; default the width of the Field it is in. Chosen values that do not fit are counted. */
  width?: number;
}

/** Several values from a list loaded from the resource API; values not in the list can be typed. */
export function MultiPicker({
  id,
  value,
  options,
  onChange,
  placeholder,
  loading,
  noOptionsMessage,
  hint,
  width,
}: MultiPickerProps) {
  const shown = useMemo(() => withHint(options, hint), [options, hint]);
  const fieldWidth = useFieldWidth();
  const units = width ?? fieldWidth ?? FIELD_WIDTHS.long;
  return (
    <MultiCombobox<string>
      id={id}
      options={shown}
      value={value ?? []}
      createCustomValue
      isClearable
      loading={loading}
      placeholder={loading ? 'Loading…' : placeholder}
      noOptionsMessage={noOptionsMessage}
      // A numeric width is taken as pixels when MultiCombobox counts the pills that fit: "auto" between equal
      // bounds gives the same fixed width and a correct count.
      width="auto"
      minWidth={units}
      maxWidth={units}
      onChange={(chosen) => onChange(chosen.map((option) => option.value).filter((item) => item !== HINT_VALUE))}
    />
  );
}

interface ChoiceProps<T extends string> {
  id: string;
  options: Array<ComboboxOption<T>>;
  value: T | null;
  onChange: (value: T) => void;
  placeholder?: string;
  /** In spacing units; default the width of the Field it is in. */
  width?: number;
}

/** One of a fixed list of values (query type, metric, reference type…). */
export function Choice<T extends string>({ id, options, value, onChange, placeholder, width }: ChoiceProps<T>) {
  const fieldWidth = useFieldWidth();
  return (
    <Combobox<T>
      id={id}
      options={options}
      value={value}
      placeholder={placeholder}
      width={width ?? fieldWidth ?? FIELD_WIDTHS.medium}
      // Enter on a stale highlight (after typing) selects nothing: @grafana/ui then passes undefined.
      onChange={(option) => option && onChange(option.value)}
    />
  );
}
