/**
 * How the query editor lays out its fields. Every option is a `Field` (an EditorField of @grafana/plugin-ui)
 * with a named width from `FIELD_WIDTHS`; the control inside takes the same width from the field (the editor's
 * Picker, MultiPicker, Choice, TextInput and NumberInput read it with `useFieldWidth`), so a field's label and
 * control share one column and no control is wider than its field. Fields sit in EditorRows; a row wraps its
 * fields onto the next line when the editor is narrow. To add an option:
 *
 *     <EditorRow>
 *       <Field label="Window" width="short" tooltip="…" invalid={!!problem} error={problem}>
 *         <TextInput id={…} value={…} onChange={…} onBlur={…} />
 *       </Field>
 *     </EditorRow>
 *
 * Choose the width by what the control holds: `number` a count, `short` a duration or a label, `medium` one
 * name (model, environment, version, field), `long` a metric's name or a few chosen values, `wide` a list of
 * feature names. Radio groups and switches size themselves: give their Field no width.
 *
 * The editor's root also sizes its boxes border-box (as Grafana's global styles do), so it keeps this layout
 * in a page without Grafana's styles too. tests/browser/queryeditor.test.mjs checks every query type's form at
 * 800, 1200 and 1600 px: no two fields' boxes overlap.
 */
import React, { createContext, useContext } from 'react';
import { css } from '@emotion/css';
import { EditorField, EditorRows } from '@grafana/plugin-ui';
import { useStyles2 } from '@grafana/ui';

/** Widths of the editor's fields and controls, in theme spacing units (8 px). */
export const FIELD_WIDTHS = {
  number: 12,
  short: 16,
  medium: 24,
  long: 32,
  wide: 40,
} as const;

export type FieldWidth = keyof typeof FIELD_WIDTHS;

const FieldWidthContext = createContext<number | undefined>(undefined);

/** The width of the field a control is in (spacing units); undefined outside a Field with a width. */
export function useFieldWidth(): number | undefined {
  return useContext(FieldWidthContext);
}

type FieldProps = Omit<React.ComponentProps<typeof EditorField>, 'width'> & {
  /** The field's and its control's width; none for controls that size themselves (radio groups, switches). */
  width?: FieldWidth;
};

/** One option of the query: a label (optional, tooltip, error) over a control of the field's width. */
export function Field({ width, children, ...props }: FieldProps) {
  const units = width === undefined ? undefined : FIELD_WIDTHS[width];
  // The control is EditorField's direct child (its id labels it, and it is given invalid); the width reaches it
  // through the context it is rendered in.
  return (
    <FieldWidthContext.Provider value={units}>
      <EditorField {...props} width={units}>
        {children}
      </EditorField>
    </FieldWidthContext.Provider>
  );
}

const getStyles = () => ({
  root: css({
    boxSizing: 'border-box',
    '& *, & *::before, & *::after': { boxSizing: 'inherit' },
  }),
});

/** The editor's rows, in a box that sizes its contents border-box whatever the page's styles. */
export function EditorLayout({ children }: { children: React.ReactNode }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.root}>
      <EditorRows>{children}</EditorRows>
    </div>
  );
}
