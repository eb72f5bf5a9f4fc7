import React from 'react';
import { createDataFrame, type DataFrame, FieldType } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { of } from 'rxjs';

import { panelProps } from '../../test/panelProps';
import { EmbeddingsPanel } from './EmbeddingsPanel';
import { bounds } from './geometry';
import { runProjection } from './projectionRun';
import { fitView, toScreenX, toScreenY } from './scatter';
import { DEFAULT_OPTIONS, type EmbeddingsOptions, type LayoutMessage, type ProjectionRequest } from './types';
import { encodeVector } from './vector';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: jest.fn(),
}));

/** The worker, run in-process: the worker's own run, its messages delivered asynchronously as a worker's are. */
class InProcessWorker {
  onmessage: ((e: MessageEvent<LayoutMessage>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  terminated = false;
  static last?: Float32Array;

  postMessage(request: ProjectionRequest) {
    setTimeout(() =>
      runProjection(request, (message) => {
        if (message.type === 'layout' && message.done) {
          InProcessWorker.last = message.coordinates;
        }
        if (!this.terminated) {
          this.onmessage?.({ data: message } as MessageEvent<LayoutMessage>);
        }
      })
    );
  }

  terminate() {
    this.terminated = true;
  }
}

jest.mock('./createWorker', () => ({
  createProjectionWorker: () => new InProcessWorker(),
}));

// jsdom has neither a 2D canvas nor PointerEvent: a context that accepts every call, and pointer events as mouse events.
const calls: string[] = [];
beforeAll(() => {
  HTMLCanvasElement.prototype.getContext = function getContext() {
    return new Proxy(
      {},
      {
        get: (_, prop: string) => {
          if (prop === 'measureText') {
            return () => ({ width: 10 });
          }
          if (prop === 'createImageData') {
            return (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) });
          }
          return (..._args: unknown[]) => calls.push(prop);
        },
        set: () => true,
      }
    );
  } as unknown as HTMLCanvasElement['getContext'];
  if (typeof window.PointerEvent === 'undefined') {
    (window as unknown as { PointerEvent: typeof MouseEvent }).PointerEvent = class extends MouseEvent {};
  }
  URL.createObjectURL = jest.fn(() => 'blob:export');
  URL.revokeObjectURL = jest.fn();
  HTMLAnchorElement.prototype.click = jest.fn();
});

const ids = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'n1', 'n2', 'n3', 'n4'];
const texts = ids.map((id) => (id.startsWith('n') ? `<img src=x onerror="alert(1)"> ${id}` : `review ${id}`));
/** Reference and current points near the origin; the n points far away, as a new cluster. */
function vectors() {
  return ids.map((id, i) => {
    const far = id.startsWith('n') ? 20 : 0;
    return encodeVector([far + (i % 4) * 0.3, far + Math.floor(i / 4) * 0.2, (i % 3) * 0.1]);
  });
}

function frames(): DataFrame[] {
  const n = ids.length;
  return [
    createDataFrame({
      name: 'embeddings',
      refId: 'A',
      meta: { custom: { reduced: 'none' } },
      fields: [
        { name: 'id', type: FieldType.string, values: ids },
        { name: 'time', type: FieldType.time, values: ids.map((_, i) => 1_700_000_000_000 + i * 60_000) },
        { name: 'version', type: FieldType.string, values: ids.map(() => 'v1') },
        {
          name: 'environment',
          type: FieldType.string,
          values: ids.map((id) => (id[0] === 'r' ? 'training' : 'production')),
        },
        { name: 'set', type: FieldType.string, values: ids.map((id) => (id[0] === 'r' ? 'reference' : 'current')) },
        { name: 'prediction', type: FieldType.string, values: ids.map((_, i) => (i % 2 ? 'positive' : 'negative')) },
        { name: 'actual', type: FieldType.string, values: ids.map(() => '') },
        { name: 'text', type: FieldType.string, values: texts },
        { name: 'novel', type: FieldType.boolean, values: ids.map((id) => id[0] === 'n') },
        { name: 'cluster', type: FieldType.string, values: ids.map((id) => (id[0] === 'n' ? '1' : '')) },
        { name: 'vector', type: FieldType.string, values: vectors() },
      ],
    }),
    createDataFrame({
      name: 'novel_clusters',
      refId: 'A',
      fields: [
        { name: 'cluster', type: FieldType.string, values: ['1'] },
        { name: 'size', type: FieldType.number, values: [4] },
        { name: 'share', type: FieldType.number, values: [4 / (n - 6)] },
        { name: 'examples', type: FieldType.string, values: [JSON.stringify([texts[12]])] },
      ],
    }),
  ];
}

const WIDTH = 800;
const HEIGHT = 400;

function renderPanel(series: DataFrame[], options: Partial<EmbeddingsOptions> = {}) {
  const props = panelProps({
    id: 3,
    title: 'Embeddings',
    series,
    options: { ...DEFAULT_OPTIONS, nNeighbors: 4, epochs: 30, ...options },
    width: WIDTH,
    height: HEIGHT,
    request: { targets: [{ refId: 'A', datasource: { uid: 'vigil' }, model: 'review-sentiment' }] },
  });
  return render(<EmbeddingsPanel {...props} />);
}

describe('EmbeddingsPanel', () => {
  it('projects the points, lists the new cluster and exports its points with one click', async () => {
    const csv = 'id,time,version,environment,text,prediction,actual\r\nn1,t,v1,production,x,positive,\r\n';
    const fetch = jest.fn(() => of({ data: csv, headers: new Headers({ 'X-Vigil-Missing-Ids': '0' }) }));
    jest.mocked(getBackendSrv).mockReturnValue({ fetch } as unknown as ReturnType<typeof getBackendSrv>);
    renderPanel(frames());
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('UMAP of 16 points'));
    expect(calls).toContain('putImageData');

    const cluster = screen.getByTestId('cluster-1');
    expect(cluster).toHaveTextContent('#1 · 4 points (40.0%)');
    expect(screen.getByTestId('selection-count')).toHaveTextContent('0 selected');
    expect(screen.getByTestId('export')).toBeDisabled();

    fireEvent.click(cluster);
    expect(screen.getByTestId('selection-count')).toHaveTextContent('4 selected');
    await act(async () => {
      fireEvent.click(screen.getByTestId('export'));
    });
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({
        url: '/api/datasources/uid/vigil/resources/export',
        method: 'POST',
        data: { model: 'review-sentiment', ids: ['n1', 'n2', 'n3', 'n4'], format: 'csv' },
        responseType: 'text',
      })
    );
    await waitFor(() =>
      expect(screen.getByTestId('export-message')).toHaveTextContent('Exported 1 rows as review-sentiment-4-points.csv')
    );
    expect(URL.createObjectURL).toHaveBeenCalled();
  });

  it('shows a hovered point’s text as text, never as markup', async () => {
    renderPanel(frames(), { showSet: 'current' });
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('UMAP of 16 points'));
    const coords = InProcessWorker.last!;
    const view = fitView(bounds(coords), WIDTH - 240 - 8 - 2, HEIGHT - 32 - 2);
    const i = ids.indexOf('n2');
    const canvas = screen.getByTestId('embeddings-canvas');
    fireEvent.pointerMove(canvas, {
      clientX: toScreenX(view, WIDTH - 250, coords[2 * i]),
      clientY: toScreenY(view, HEIGHT - 34, coords[2 * i + 1]),
    });
    const tooltip = await screen.findByTestId('point-tooltip');
    expect(tooltip.querySelector('img')).toBeNull();
    expect(tooltip).toHaveTextContent(/<img src=x onerror="alert\(1\)"> n\d/);
    expect(tooltip).toHaveTextContent('novel');
  });

  it('shows reference, current or both from the toolbar, starting from the option', async () => {
    renderPanel(frames(), { showSet: 'reference' });
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('UMAP of 16 points'));
    expect(screen.getByRole('radio', { name: 'Reference' })).toBeChecked();
    // Only reference points are shown: a lasso around everything selects the six of them.
    const canvas = screen.getByTestId('embeddings-canvas');
    fireEvent.click(screen.getByRole('radio', { name: 'Lasso' }));
    const lasso = (corners: Array<[number, number]>) => {
      fireEvent.pointerDown(canvas, { clientX: corners[0][0], clientY: corners[0][1], button: 0 });
      for (const [x, y] of corners.slice(1)) {
        fireEvent.pointerMove(canvas, { clientX: x, clientY: y });
      }
      fireEvent.pointerUp(canvas, { clientX: corners[0][0], clientY: corners[0][1] });
    };
    const all: Array<[number, number]> = [
      [1, 1],
      [548, 1],
      [548, 364],
      [1, 364],
    ];
    lasso(all);
    expect(screen.getByTestId('selection-count')).toHaveTextContent('6 selected');
    fireEvent.click(screen.getByRole('radio', { name: 'Both' }));
    lasso(all);
    expect(screen.getByTestId('selection-count')).toHaveTextContent('16 selected');
    fireEvent.click(screen.getByRole('radio', { name: 'Current' }));
    lasso(all);
    expect(screen.getByTestId('selection-count')).toHaveTextContent('10 selected');
  });

  it('explains what is missing without an embeddings frame', () => {
    renderPanel([createDataFrame({ name: 'other', fields: [{ name: 'x', type: FieldType.number, values: [1] }] })]);
    expect(screen.getByText(/needs an embeddings query/)).toBeInTheDocument();
  });
});
