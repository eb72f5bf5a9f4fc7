import type { ExportFormat } from './types';

/**
 * Export of a selection through the datasource's resource route POST export (pkg/plugin/export.go): by ids,
 * answered as CSV (text/csv) or NDJSON (application/x-ndjson), one row per stored record.
 */

/** The export route's body for the selected points. */
export function exportRequest(model: string, ids: readonly string[], format: ExportFormat) {
  return { model, ids: [...ids], format };
}

/** The route's URL for a data source uid. */
export function exportUrl(uid: string): string {
  return `/api/datasources/uid/${encodeURIComponent(uid)}/resources/export`;
}

/** A download name: model, selection size and format, e.g. review-sentiment-120-points.csv. */
export function exportFileName(model: string, count: number, format: ExportFormat): string {
  const safe = model.replace(/[^A-Za-z0-9._-]+/g, '_') || 'export';
  return `${safe}-${count}-points.${format === 'ndjson' ? 'ndjson' : 'csv'}`;
}

/** Splits one CSV record (RFC 4180) starting at pos; returns the fields and the position after the record. */
function csvRecord(text: string, pos: number): { fields: string[]; next: number } {
  const fields: string[] = [];
  let i = pos;
  for (;;) {
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          value += text.slice(i);
          i = text.length;
          break;
        }
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '\r' && text[end] !== '\n') {
        end++;
      }
      value = text.slice(i, end);
      i = end;
    }
    fields.push(value);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '\r') {
      i++;
    }
    if (text[i] === '\n') {
      i++;
    }
    return { fields, next: i };
  }
}

/**
 * The ids of an export answer, in its row order (the id column of the CSV without the quote that
 * neutralises formulas, or each NDJSON object's id).
 */
export function exportedIds(body: string, format: ExportFormat): string[] {
  if (format === 'ndjson') {
    return body
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => String((JSON.parse(line) as { id: unknown }).id));
  }
  const ids: string[] = [];
  let pos = 0;
  let idColumn = -1;
  while (pos < body.length) {
    const { fields, next } = csvRecord(body, pos);
    pos = next;
    if (idColumn < 0) {
      idColumn = fields.indexOf('id');
      if (idColumn < 0) {
        throw new Error('the export has no id column');
      }
      continue;
    }
    // The export neutralises CSV cells that a spreadsheet could run as formulas with one
    // leading single quote (pkg/plugin/export.go, neutralise); removing it gives the id back.
    const id = fields[idColumn];
    ids.push(id.startsWith("'") ? id.slice(1) : id);
  }
  return ids;
}

/** What the panel's last export answered. */
export interface ExportResult {
  format: ExportFormat;
  requested: string[];
  ids: string[];
  missing: number | null;
  fileName: string;
}
