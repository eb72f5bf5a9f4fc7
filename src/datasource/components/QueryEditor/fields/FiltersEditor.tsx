import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, IconButton, Input, useStyles2 } from '@grafana/ui';

import { withOption } from '../../../queryOptions';
import { isTemplated } from '../../../templating';
import { FILTER_OPS, LIST_OPS, NULL_OPS, type Filter, type FilterOp, type FilterScalar } from '../../../types';
import { useEditorContext } from '../context';
import { Field, FIELD_WIDTHS } from '../layout';
import type { QueryTypeEditorProps } from '../types';
import { canonicalRef, fieldType, useFieldOptions, useValueOptions } from './FieldRefs';
import { Choice, emptyMessage, listingHint, loadErrorMessage, MultiPicker, Picker } from './pickers';

const OP_DESCRIPTIONS: Record<FilterOp, string> = {
  '=': 'equals (any of, with several values)',
  '!=': 'differs from (none of, with several values)',
  '<': 'less than',
  '<=': 'at most',
  '>': 'greater than',
  '>=': 'at least',
  in: 'any of',
  'not in': 'none of',
  'is null': 'has no value',
  'is not null': 'has a value',
};

const CATEGORICAL_OPS: readonly FilterOp[] = ['=', '!=', 'in', 'not in', 'is null', 'is not null'];

function opOptions(numeric: boolean, current: FilterOp) {
  const ops = FILTER_OPS.filter((op) => numeric || CATEGORICAL_OPS.includes(op) || op === current);
  return ops.map((op) => ({ value: op, label: op, description: OP_DESCRIPTIONS[op] }));
}

function valueList(value: Filter['value']): FilterScalar[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** One value stays a scalar (as dashboards write it); several become a list; none unsets the value. */
function fromList(values: FilterScalar[]): Filter['value'] {
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}

/** Comma-separated numbers as typed; a variable or other text stays text (the backend reports non-numbers). */
export function parseNumbers(text: string): FilterScalar[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => (Number.isFinite(Number(item)) ? Number(item) : item));
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  row: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: theme.spacing(0.5) }),
  error: css({ color: theme.colors.error.text, fontSize: theme.typography.bodySmall.fontSize }),
  hiddenLabel: css({
    position: 'absolute',
    width: 1,
    height: 1,
    overflow: 'hidden',
    clipPath: 'inset(50%)',
    whiteSpace: 'nowrap',
  }),
});

/** Conditions on features, tags, predictions and actuals that keep the records a query looks at. */
export function FiltersEditor({ query, onChange, onRun }: QueryTypeEditorProps) {
  const styles = useStyles2(getStyles);
  const filters = query.filters ?? [];

  const setFilters = (next: Filter[], run = true) => {
    onChange(withOption(query, 'filters', next), run);
  };

  return (
    <Field label="Filters" optional tooltip="Keep only records that match every filter">
      <div className={styles.list}>
        {filters.map((filter, index) => (
          <FilterRow
            // Rows have no identity of their own; the index is what option paths (filters[1]) use too.
            key={index}
            index={index}
            refId={query.refId}
            model={query.model}
            filter={filter}
            onChange={(next, run) =>
              setFilters(
                filters.map((item, i) => (i === index ? next : item)),
                run
              )
            }
            onRemove={() => setFilters(filters.filter((_, i) => i !== index))}
            onRun={onRun}
          />
        ))}
        <div>
          <Button
            icon="plus"
            variant="secondary"
            size="sm"
            fill="outline"
            onClick={() => setFilters([...filters, { field: '', op: '=' }], false)}
          >
            Add filter
          </Button>
        </div>
      </div>
    </Field>
  );
}

interface FilterRowProps {
  index: number;
  refId: string;
  model: string | undefined;
  filter: Filter;
  onChange: (filter: Filter, run?: boolean) => void;
  onRemove: () => void;
  onRun: () => void;
}

function FilterRow({ index, refId, model, filter, onChange, onRemove, onRun }: FilterRowProps) {
  const styles = useStyles2(getStyles);
  const { problems } = useEditorContext();
  const { features, options: fieldOptions } = useFieldOptions(model, {});
  const type = filter.field ? fieldType(filter.field, features.value) : undefined;
  const numeric = type === 'numeric';
  const listOp = LIST_OPS.includes(filter.op);
  // Values are listed for categorical fields; wait for the schema to tell, unless it could not be loaded.
  const listValues = filter.field !== '' && !numeric && !features.loading;
  const { values, options: valueOptions } = useValueOptions(model, listValues ? filter.field : undefined);
  const id = (part: string) => `vigil-filter-${index}-${part}-${refId}`;
  const number = index + 1;

  const onFieldChange = (field: string | undefined) => {
    // Values of another field mean nothing for this one.
    // Without values the filter is only complete for a null check.
    onChange({ field: field ?? '', op: filter.op }, NULL_OPS.includes(filter.op));
  };

  const onOpChange = (op: FilterOp) => {
    const next: Filter = { ...filter, op };
    if (NULL_OPS.includes(op)) {
      delete next.value;
    } else if (!LIST_OPS.includes(op)) {
      const first = valueList(filter.value)[0];
      if (first === undefined) {
        delete next.value;
      } else {
        next.value = first;
      }
    }
    onChange(next);
  };

  const setValues = (list: FilterScalar[], run = true) => {
    const next: Filter = { ...filter, value: fromList(list) };
    if (next.value === undefined) {
      delete next.value;
    }
    onChange(next, run);
  };

  const notNumbers = numeric
    ? valueList(filter.value).filter((value) => typeof value === 'string' && !isTemplated(value))
    : [];
  const errors = [
    problems[`filters[${index}].field`],
    problems[`filters[${index}].value`],
    notNumbers.length > 0
      ? `${canonicalRef(filter.field)} is numeric; ${notNumbers.map((value) => `"${value}"`).join(', ')} ${
          notNumbers.length === 1 ? 'is not a number' : 'are not numbers'
        }.`
      : undefined,
    loadErrorMessage('fields', features.error),
    loadErrorMessage('values', values.error),
  ].filter((message): message is string => !!message);

  return (
    <div>
      <div className={styles.row}>
        <label className={styles.hiddenLabel} htmlFor={id('field')}>
          Filter {number} field
        </label>
        <Picker
          id={id('field')}
          value={filter.field || undefined}
          options={fieldOptions}
          loading={features.loading}
          placeholder="Choose a field"
          width={FIELD_WIDTHS.long}
          hint={listingHint('fields', features.templated, !model)}
          noOptionsMessage={emptyMessage('fields')}
          onChange={onFieldChange}
        />
        <label className={styles.hiddenLabel} htmlFor={id('op')}>
          Filter {number} operator
        </label>
        <Choice<FilterOp>
          id={id('op')}
          options={opOptions(numeric, filter.op)}
          value={filter.op}
          width={FIELD_WIDTHS.short}
          onChange={onOpChange}
        />
        {!NULL_OPS.includes(filter.op) && (
          <>
            <label className={styles.hiddenLabel} htmlFor={id('value')}>
              Filter {number} value
            </label>
            {numeric ? (
              <NumbersInput
                id={id('value')}
                value={filter.value}
                onCommit={(list) => setValues(list)}
                placeholder={listOp ? '40 or 18, 65' : '40'}
                onBlur={onRun}
              />
            ) : listOp ? (
              <MultiPicker
                id={id('value')}
                value={valueList(filter.value).map(String)}
                options={valueOptions}
                loading={values.loading || (filter.field !== '' && features.loading)}
                placeholder="Choose values"
                hint={
                  filter.field
                    ? listingHint('values', values.templated, !model)
                    : 'Choose the field to list its values; or type a value.'
                }
                noOptionsMessage={emptyMessage('values')}
                width={FIELD_WIDTHS.long}
                onChange={(list) => setValues(list)}
              />
            ) : (
              <Picker
                id={id('value')}
                value={valueList(filter.value).map(String)[0]}
                options={valueOptions}
                loading={values.loading || (filter.field !== '' && features.loading)}
                placeholder="Choose a value"
                width={FIELD_WIDTHS.medium}
                onChange={(value) => setValues(value === undefined ? [] : [value])}
              />
            )}
          </>
        )}
        <IconButton name="trash-alt" tooltip={`Remove filter ${number}`} onClick={onRemove} />
      </div>
      {errors.map((message) => (
        <div key={message} className={styles.error}>
          {message}
        </div>
      ))}
    </div>
  );
}

interface NumbersInputProps {
  id: string;
  value: Filter['value'];
  onCommit: (values: FilterScalar[]) => void;
  onBlur: () => void;
  placeholder: string;
}

/** Numbers typed comma-separated, stored when the input is left. */
function NumbersInput({ id, value, onCommit, onBlur, placeholder }: NumbersInputProps) {
  const joined = valueList(value).join(', ');
  const [text, setText] = useState(joined);
  const [shown, setShown] = useState(joined);

  // Follow changes made outside this input while keeping the user's typing otherwise.
  if (joined !== shown) {
    setShown(joined);
    setText(joined);
  }

  return (
    <Input
      id={id}
      value={text}
      placeholder={placeholder}
      width={FIELD_WIDTHS.medium}
      onChange={(event) => setText(event.currentTarget.value)}
      onBlur={() => {
        const values = parseNumbers(text);
        if (values.join(', ') !== joined) {
          onCommit(values);
        } else {
          setText(joined);
          onBlur();
        }
      }}
    />
  );
}
