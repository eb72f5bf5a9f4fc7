import { useCallback, useRef, useState } from 'react';
import { getBackendSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

import { exportedIds, exportFileName, exportRequest, exportUrl, type ExportResult } from './exportSelection';
import type { ExportFormat } from './types';

interface ExportOptions {
  /** The ids of the selected points, read when the export runs. */
  selectedIds: () => string[];
  format: ExportFormat;
  datasourceUid: string | undefined;
  modelName: string | undefined;
}

/**
 * Exporting the selection for labeling: posts the selected ids to the data source's export route, downloads
 * the answer as a file, and says how it went. Also copies the ids to the clipboard.
 */
export function useExport({ selectedIds, format, datasourceUid, modelName }: ExportOptions) {
  const [exporting, setExporting] = useState(false);
  const [exportMessage, setExportMessage] = useState<{ text: string; error: boolean } | undefined>();
  const lastExportRef = useRef<ExportResult | undefined>(undefined);

  const runExport = useCallback(async () => {
    const ids = selectedIds();
    if (!datasourceUid || !modelName) {
      setExportMessage({ text: 'The panel’s query names no data source or model to export from.', error: true });
      return;
    }
    setExporting(true);
    setExportMessage(undefined);
    try {
      const response = await lastValueFrom(
        getBackendSrv().fetch<string>({
          url: exportUrl(datasourceUid),
          method: 'POST',
          data: exportRequest(modelName, ids, format),
          responseType: 'text',
          showErrorAlert: false,
        })
      );
      const body = typeof response.data === 'string' ? response.data : String(response.data);
      const missingHeader = response.headers?.get?.('X-Vigil-Missing-Ids');
      const fileName = exportFileName(modelName, ids.length, format);
      const result: ExportResult = {
        format,
        requested: ids,
        ids: exportedIds(body, format),
        missing: missingHeader ? Number(missingHeader) : null,
        fileName,
      };
      lastExportRef.current = result;
      download(body, fileName, format === 'ndjson' ? 'application/x-ndjson' : 'text/csv');
      setExportMessage({
        text: `Exported ${result.ids.length} rows as ${fileName}${result.missing ? `; ${result.missing} ids not stored` : ''}`,
        error: false,
      });
    } catch (err) {
      setExportMessage({ text: `Export failed: ${errorText(err)}`, error: true });
    } finally {
      setExporting(false);
    }
  }, [selectedIds, format, datasourceUid, modelName]);

  const copyIds = useCallback(() => {
    void navigator.clipboard?.writeText(selectedIds().join('\n'));
  }, [selectedIds]);

  /** The latest export, for the debug view. */
  const lastExport = useCallback(() => lastExportRef.current, []);

  return { exporting, exportMessage, lastExport, runExport, copyIds };
}

/** The message of a failed request: the backend's text or JSON error, else the error's own message. */
export function errorText(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { data?: { message?: string; error?: string } | string; statusText?: string; message?: string };
    if (typeof e.data === 'string' && e.data) {
      return e.data;
    }
    if (e.data && typeof e.data === 'object') {
      return e.data.message ?? e.data.error ?? JSON.stringify(e.data);
    }
    return e.message ?? e.statusText ?? String(err);
  }
  return String(err);
}

/** Saves a text as a file through the browser. */
function download(body: string, fileName: string, type: string) {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
