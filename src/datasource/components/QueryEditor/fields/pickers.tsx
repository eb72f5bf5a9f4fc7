import React, { useMemo } from 'react';
import { Combobox, MultiCombobox, type ComboboxOption } from '@grafana/ui';

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
  const common = {
    id,
    options: shown,
    value: value ?? null,
    createCustomValue: true,
    loading,
    placeholder: loading ? 'Loading…' : placeholder,
    width,
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
  minWidth?: number;
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
  minWidth = 20,
}: MultiPickerProps) {
  const shown = useMemo(() => withHint(options, hint), [options, hint]);
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
      width="auto"
      minWidth={minWidth}
      maxWidth={80}
      onChange={(chosen) => onChange(chosen.map((option) => option.value).filter((item) => item !== HINT_VALUE))}
    />
  );
}
