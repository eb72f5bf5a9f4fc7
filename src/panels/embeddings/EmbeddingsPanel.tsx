import React, { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import { getDataSourceSrv, PanelDataErrorView } from '@grafana/runtime';
import { Button, RadioButtonGroup, useStyles2, useTheme2 } from '@grafana/ui';

import { type ColorTheme, type LegendItem, pointColors } from './colors';
import { type EmbeddingsModel, type NovelCluster, prepareEmbeddings } from './frame';
import { GridIndex } from './spatialIndex';
import { DEFAULT_OPTIONS, type EmbeddingsOptions, type ExportFormat, type ShowSet } from './types';
import { useDebugHandle } from './projection/debugHandle';
import { useHover } from './projection/hover';
import { useLasso } from './projection/lasso';
import { useSelection, useShownSet } from './projection/pointSets';
import { type DrawTimings, useClusterOutlines, useSceneDraw } from './projection/scene';
import { useFrameScheduler } from './projection/useFrameScheduler';
import { useViewport } from './projection/viewport';
import { useExport } from './useExport';
import { useProjection } from './useProjection';

type Props = PanelProps<EmbeddingsOptions>;

const SIDE_WIDTH = 240;
const HEADER_HEIGHT = 32;
const LAYOUT_SEED = 42;

export type { EmbeddingsDebug } from './projection/debugHandle';

interface EmbeddingsQuery extends DataQuery {
  model?: string;
}

export function EmbeddingsPanel({ data, options: given, width, height, id, replaceVariables }: Props) {
  const options = { ...DEFAULT_OPTIONS, ...given };
  const prepared = useMemo(() => prepareEmbeddings(data.series), [data.series]);
  const target = data.request?.targets?.find((t) => (t as EmbeddingsQuery).model) as EmbeddingsQuery | undefined;
  const datasourceUid = datasourceUidOf(target, replaceVariables);
  const modelName = replaceVariables(target?.model ?? '');

  if (!prepared.ok) {
    return <PanelDataErrorView panelId={id} data={data} message={prepared.message} needsStringField />;
  }
  if (prepared.model.n === 0) {
    return <PanelDataErrorView panelId={id} data={data} message="No sampled points in this time range." />;
  }
  return (
    <Projection
      model={prepared.model}
      options={options}
      width={width}
      height={height}
      datasourceUid={datasourceUid}
      modelName={modelName}
    />
  );
}

interface ProjectionProps {
  model: EmbeddingsModel;
  options: EmbeddingsOptions;
  width: number;
  height: number;
  datasourceUid: string;
  modelName: string;
}

type Mode = 'pan' | 'lasso';

function Projection({ model, options, width, height, datasourceUid, modelName }: ProjectionProps) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const side = width >= 520;
  // The canvas, inside the plot's 1px border.
  const plotWidth = Math.max(50, (side ? width - SIDE_WIDTH - 8 : width) - 2);
  const plotHeight = Math.max(50, height - HEADER_HEIGHT - 2);

  // The latest layout and its grid index; the worker replaces both as epochs arrive.
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const coordsRef = useRef<Float32Array | undefined>(undefined);
  const indexRef = useRef<GridIndex | undefined>(undefined);
  const timingsRef = useRef<DrawTimings>({ start: 0, draws: 0 });
  const finalPendingRef = useRef(false);

  const [mode, setMode] = useState<Mode>('pan');
  const dragRef = useRef<{ x: number; y: number; mode: Mode } | undefined>(undefined);
  const controls = useAfterFirstFrame();
  const { selection, setSelection, selectedCount, selectedIds, selectCluster, clearSelection } = useSelection(model);
  const { showSet, onShowSet, visible } = useShownSet(model, options.showSet);
  const colorTheme: ColorTheme = useMemo(
    () => ({
      palette: theme.visualization.palette.map((c) => theme.visualization.getColorByName(c)),
      muted: theme.isDark ? '#6e7079' : '#b5b8c0',
      current: theme.visualization.getColorByName('blue'),
      timeFrom: theme.visualization.getColorByName('dark-blue'),
      timeTo: theme.visualization.getColorByName('yellow'),
    }),
    [theme]
  );
  const colors = useMemo(() => pointColors(model, options.colorBy, colorTheme), [model, options.colorBy, colorTheme]);
  const outlinesOf = useClusterOutlines(model.novelClusters);

  // Drawing, pan and zoom, lasso and hover, each in its own hook; the draw reads their refs.
  const { requestDraw, drawRef } = useFrameScheduler();
  const viewport = useViewport(canvasRef, coordsRef, plotWidth, plotHeight, requestDraw);
  const lasso = useLasso({
    viewRef: viewport.viewRef,
    coordsRef,
    plotWidth,
    plotHeight,
    visible,
    selection,
    setSelection,
    requestDraw,
  });
  const hover = useHover({
    indexRef,
    viewRef: viewport.viewRef,
    plotWidth,
    plotHeight,
    pointSize: options.pointSize,
    visible,
  });
  const draw = useSceneDraw(
    {
      canvasRef,
      coordsRef,
      indexRef,
      viewRef: viewport.viewRef,
      lassoRef: lasso.lassoRef,
      timingsRef,
      finalPendingRef,
    },
    outlinesOf,
    {
      model,
      colors,
      visible,
      selection,
      selectedCount,
      hover: hover.hover?.index ?? -1,
      pointSize: options.pointSize,
      showOutlines: options.showOutlines,
      theme,
      plotWidth,
      plotHeight,
    }
  );
  useLayoutEffect(() => {
    drawRef.current = draw;
  });
  // Redraw whenever what the scene shows changes.
  useEffect(() => {
    requestDraw();
  }, [requestDraw, colors, visible, selection, hover.hover, options.pointSize, options.showOutlines, theme]);

  const { fit } = viewport;
  const onLayout = useCallback(
    (coords: Float32Array, done: boolean) => {
      coordsRef.current = coords;
      indexRef.current = new GridIndex(coords);
      fit();
      finalPendingRef.current = done;
      requestDraw();
    },
    [fit, requestDraw]
  );
  const params = useMemo(
    () => ({ nNeighbors: options.nNeighbors, minDist: options.minDist, nEpochs: options.epochs, seed: LAYOUT_SEED }),
    [options.nNeighbors, options.minDist, options.epochs]
  );
  // A new run starts from a fitted view; its timings are measured from here (before the worker starts).
  const { userMovedRef } = viewport;
  useEffect(() => {
    userMovedRef.current = false;
    finalPendingRef.current = false;
    coordsRef.current = undefined;
    indexRef.current = undefined;
    timingsRef.current = { start: performance.now(), draws: 0 };
  }, [model, params, userMovedRef]);
  const projection = useProjection(model.vectors, params, onLayout);

  // Pointer events: a drag pans, or draws a lasso (lasso mode or Shift); a move without a drag hovers.
  const local = (e: React.PointerEvent | React.MouseEvent): [number, number] => {
    const rect = canvasRef.current!.getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top];
  };
  const onPointerDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (e.button !== 0) {
      return;
    }
    const [x, y] = local(e);
    const dragMode: Mode = mode === 'lasso' || e.shiftKey ? 'lasso' : 'pan';
    try {
      e.currentTarget.setPointerCapture(e.pointerId);
    } catch {
      // A pointer the browser does not track (a synthetic event) cannot be captured; the drag works without.
    }
    dragRef.current = { x, y, mode: dragMode };
    if (dragMode === 'lasso') {
      lasso.start(x, y);
    }
    hover.clear();
  };
  const onPointerMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const [x, y] = local(e);
    const drag = dragRef.current;
    if (drag?.mode === 'pan') {
      viewport.panBy(x - drag.x, y - drag.y);
      drag.x = x;
      drag.y = y;
    } else if (drag?.mode === 'lasso') {
      lasso.extend(x, y);
    } else {
      hover.pick(x, y);
    }
  };
  const onPointerUp = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const drag = dragRef.current;
    dragRef.current = undefined;
    if (drag?.mode === 'lasso') {
      lasso.finish(e.ctrlKey || e.metaKey);
    } else {
      lasso.cancel();
    }
  };
  const resetView = viewport.resetView;

  const { exporting, exportMessage, lastExport, runExport, copyIds } = useExport({
    selectedIds,
    format: options.exportFormat,
    datasourceUid,
    modelName,
  });

  useDebugHandle({
    model,
    projection,
    timingsRef,
    coordsRef,
    canvasRef,
    viewRef: viewport.viewRef,
    outlinesOf,
    selectedIds,
    lastExport,
    plotWidth,
    plotHeight,
  });

  const status = projection.error
    ? `Projection failed: ${projection.error}`
    : !projection.coordinates
      ? `Projecting ${model.n.toLocaleString()} points…`
      : projection.done
        ? `UMAP of ${model.n.toLocaleString()} points${vectorNote(model)}`
        : `UMAP epoch ${projection.epoch} of ${projection.nEpochs}`;

  const hoverPoint = hover.hover && hover.hover.index < model.n ? hover.hover : undefined;
  return (
    <div className={styles.panel} style={{ width, height }}>
      <div className={styles.header} style={{ height: HEADER_HEIGHT }}>
        <span className={cx(styles.status, projection.error && styles.error)} title={status} data-testid="status">
          {status}
        </span>
        {controls && (
          <Toolbar
            showSet={showSet}
            onShowSet={onShowSet}
            mode={mode}
            onMode={setMode}
            onFit={resetView}
            narrow={!side}
            selectedCount={selectedCount}
            exporting={exporting}
            exportMessage={exportMessage?.text}
            onExport={runExport}
          />
        )}
      </div>
      <div className={styles.body}>
        <div className={styles.plot} style={{ width: plotWidth + 2, height: plotHeight + 2 }}>
          <canvas
            ref={canvasRef}
            className={cx(styles.canvas, mode === 'lasso' && styles.lassoCursor)}
            style={{ width: plotWidth, height: plotHeight }}
            role="img"
            aria-label={`Projection of ${model.n} embeddings`}
            data-testid="embeddings-canvas"
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerCancel={onPointerUp}
            onPointerLeave={() => !dragRef.current && hover.clear()}
            onDoubleClick={resetView}
          />
          {hoverPoint && (
            <PointTooltip
              model={model}
              index={hoverPoint.index}
              x={hoverPoint.x}
              y={hoverPoint.y}
              width={plotWidth}
              height={plotHeight}
            />
          )}
        </div>
        {side && controls && (
          <SidePanel
            height={plotHeight}
            colorBy={options.colorBy}
            legend={colors.legend}
            clusters={model.novelClusters}
            selectedCount={selectedCount}
            exporting={exporting}
            exportFormat={options.exportFormat}
            exportMessage={exportMessage}
            onSelectCluster={selectCluster}
            onExport={runExport}
            onCopy={copyIds}
            onClear={clearSelection}
          />
        )}
      </div>
    </div>
  );
}

const MODE_OPTIONS: Array<{ value: Mode; label: string; description: string }> = [
  { value: 'pan', label: 'Pan', description: 'Drag to pan, wheel to zoom (shift-drag draws a lasso)' },
  { value: 'lasso', label: 'Lasso', description: 'Drag to draw a lasso; ctrl/cmd adds to the selection' },
];

const SET_OPTIONS: Array<{ value: ShowSet; label: string; description: string }> = [
  { value: 'both', label: 'Both', description: 'Reference and current points' },
  { value: 'current', label: 'Current', description: 'The current points only' },
  { value: 'reference', label: 'Reference', description: 'The reference points only' },
];

interface ToolbarProps {
  showSet: ShowSet;
  onShowSet: (value: ShowSet) => void;
  mode: Mode;
  onMode: (mode: Mode) => void;
  onFit: () => void;
  /** Without the side column, the export is here. */
  narrow: boolean;
  selectedCount: number;
  exporting: boolean;
  exportMessage?: string;
  onExport: () => void;
}

const Toolbar = React.memo(function Toolbar(props: ToolbarProps) {
  return (
    <>
      <RadioButtonGroup<ShowSet> size="sm" value={props.showSet} onChange={props.onShowSet} options={SET_OPTIONS} />
      <RadioButtonGroup<Mode> size="sm" value={props.mode} onChange={props.onMode} options={MODE_OPTIONS} />
      <Button
        size="sm"
        variant="secondary"
        fill="text"
        icon="expand-arrows"
        onClick={props.onFit}
        tooltip="Fit all points"
      >
        Fit
      </Button>
      {props.narrow && (
        <Button
          size="sm"
          icon="download-alt"
          disabled={props.selectedCount === 0 || props.exporting}
          onClick={props.onExport}
          tooltip={props.exportMessage}
        >
          Export {props.selectedCount.toLocaleString()}
        </Button>
      )}
    </>
  );
});

const COLOR_BY_TITLE: Record<EmbeddingsOptions['colorBy'], string> = {
  set: 'Reference / current',
  environment: 'Environment',
  version: 'Version',
  time: 'Time',
  prediction: 'Prediction',
  actual: 'Actual',
  cluster: 'New cluster',
};

interface SidePanelProps {
  height: number;
  colorBy: EmbeddingsOptions['colorBy'];
  legend: LegendItem[];
  clusters: NovelCluster[];
  selectedCount: number;
  exporting: boolean;
  exportFormat: ExportFormat;
  exportMessage?: { text: string; error: boolean };
  onSelectCluster: (members: number[]) => void;
  onExport: () => void;
  onCopy: () => void;
  onClear: () => void;
}

/** Legend, new clusters and the selection's actions; memoised, as layouts re-render the panel while UMAP runs. */
const SidePanel = React.memo(function SidePanel(props: SidePanelProps) {
  const styles = useStyles2(getStyles);
  const { legend, clusters, selectedCount } = props;
  return (
    <div className={styles.side} style={{ width: SIDE_WIDTH, height: props.height }}>
      <section aria-label="Legend">
        <div className={styles.sectionTitle}>{COLOR_BY_TITLE[props.colorBy]}</div>
        <ul className={styles.legend}>
          {legend.slice(0, 12).map((item) => (
            <li key={item.label}>
              <span className={styles.swatch} style={{ background: item.color }} />
              {item.label}
            </li>
          ))}
          {legend.length > 12 && <li>… {legend.length - 12} more</li>}
        </ul>
      </section>
      <section aria-label="New clusters">
        <div className={styles.sectionTitle}>New clusters</div>
        {clusters.length === 0 ? (
          <div className={styles.muted}>None in the current data</div>
        ) : (
          <ul className={styles.clusters}>
            {clusters.map((c) => (
              <li key={c.id}>
                <button
                  type="button"
                  className={styles.cluster}
                  onClick={() => props.onSelectCluster(c.members)}
                  title={c.examples.join('\n')}
                  data-testid={`cluster-${c.id}`}
                >
                  <span className={styles.clusterName}>
                    #{c.id} · {c.size} points{c.share !== null ? ` (${(c.share * 100).toFixed(1)}%)` : ''}
                  </span>
                  {c.examples[0] && <span className={styles.example}>{c.examples[0]}</span>}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-label="Selection">
        <div className={styles.sectionTitle} data-testid="selection-count">
          {selectedCount.toLocaleString()} selected
        </div>
        <div className={styles.actions}>
          <Button
            size="sm"
            icon="download-alt"
            disabled={selectedCount === 0 || props.exporting}
            onClick={props.onExport}
            data-testid="export"
          >
            Export {props.exportFormat === 'ndjson' ? 'NDJSON' : 'CSV'}
          </Button>
          <Button size="sm" variant="secondary" disabled={selectedCount === 0} onClick={props.onCopy}>
            Copy ids
          </Button>
          <Button size="sm" variant="secondary" fill="text" disabled={selectedCount === 0} onClick={props.onClear}>
            Clear
          </Button>
        </div>
        {props.exportMessage && (
          <div className={cx(styles.muted, props.exportMessage.error && styles.error)} data-testid="export-message">
            {props.exportMessage.text}
          </div>
        )}
      </section>
    </div>
  );
});

/** The uid of the query's data source: Grafana resolves references and variables; else the uid as written. */
/**
 * False on the first render, true from the next animation frame: the toolbar and the side column mount after the
 * canvas, so no single main-thread task carries the whole panel's first render.
 */
function useAfterFirstFrame(): boolean {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    const frame = requestAnimationFrame(() => setReady(true));
    return () => cancelAnimationFrame(frame);
  }, []);
  return ready;
}

function datasourceUidOf(target: EmbeddingsQuery | undefined, replaceVariables: (s: string) => string): string {
  try {
    const settings = getDataSourceSrv().getInstanceSettings(target?.datasource ?? null);
    if (settings?.uid) {
      return settings.uid;
    }
  } catch {
    // No data source service (outside Grafana): the reference as written.
  }
  return replaceVariables(target?.datasource?.uid ?? '');
}

function vectorNote(model: EmbeddingsModel): string {
  if (!model.reduced || model.reduced === 'none') {
    return '';
  }
  const v = model.explainedVariance;
  return ` (${model.reduced}${typeof v === 'number' ? `, ${(v * 100).toFixed(0)}% of variance` : ''})`;
}

function PointTooltip({
  model,
  index,
  x,
  y,
  width,
  height,
}: {
  model: EmbeddingsModel;
  index: number;
  x: number;
  y: number;
  width: number;
  height: number;
}) {
  const styles = useStyles2(getStyles);
  const left = x + 12 + 280 > width ? Math.max(0, x - 292) : x + 12;
  const top = y + 12 + 140 > height ? Math.max(0, y - 152) : y + 12;
  const time = Number.isFinite(model.times[index])
    ? new Date(model.times[index]).toISOString().replace('T', ' ').slice(0, 19)
    : '';
  const rows: Array<[string, string]> = [
    ['set', model.isCurrent[index] ? 'current' : 'reference'],
    ['version', model.versions[index]],
    ['environment', model.environments[index]],
    ['time', time],
    ['prediction', model.predictions[index]],
    ['actual', model.actuals[index] || 'unknown'],
  ];
  if (model.novel[index]) {
    rows.push(['novel', model.clusters[index] ? `new cluster #${model.clusters[index]}` : 'yes']);
  }
  return (
    <div className={styles.tooltip} style={{ left, top }} role="tooltip" data-testid="point-tooltip">
      <div className={styles.tooltipText}>{model.texts[index] || '(no text)'}</div>
      <table>
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <th>{k}</th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className={styles.tooltipId}>{model.ids[index]}</div>
    </div>
  );
}

function getStyles(theme: GrafanaTheme2) {
  return {
    panel: css({ display: 'flex', flexDirection: 'column', overflow: 'hidden' }),
    header: css({
      flex: 'none',
      boxSizing: 'border-box',
      overflow: 'hidden',
      display: 'flex',
      alignItems: 'center',
      gap: theme.spacing(1),
      paddingBottom: theme.spacing(0.5),
    }),
    status: css({
      flex: 1,
      minWidth: 0,
      overflow: 'hidden',
      textOverflow: 'ellipsis',
      whiteSpace: 'nowrap',
      color: theme.colors.text.secondary,
      fontSize: theme.typography.bodySmall.fontSize,
    }),
    error: css({ color: theme.colors.error.text }),
    body: css({ display: 'flex', gap: theme.spacing(1), minHeight: 0 }),
    plot: css({
      boxSizing: 'border-box',
      position: 'relative',
      flex: 'none',
      background: theme.colors.background.primary,
      border: `1px solid ${theme.colors.border.weak}`,
      borderRadius: theme.shape.radius.default,
      overflow: 'hidden',
    }),
    canvas: css({ display: 'block', cursor: 'grab', touchAction: 'none', '&:active': { cursor: 'grabbing' } }),
    lassoCursor: css({ cursor: 'crosshair', '&:active': { cursor: 'crosshair' } }),
    side: css({
      flex: 'none',
      overflowY: 'auto',
      display: 'flex',
      flexDirection: 'column',
      gap: theme.spacing(1.5),
      fontSize: theme.typography.bodySmall.fontSize,
    }),
    sectionTitle: css({
      fontWeight: theme.typography.fontWeightMedium,
      color: theme.colors.text.primary,
      marginBottom: theme.spacing(0.5),
    }),
    muted: css({ color: theme.colors.text.secondary, marginTop: theme.spacing(0.5) }),
    legend: css({
      listStyle: 'none',
      margin: 0,
      padding: 0,
      color: theme.colors.text.secondary,
      li: { display: 'flex', alignItems: 'center', gap: theme.spacing(0.75), lineHeight: 1.6 },
    }),
    swatch: css({ width: 10, height: 10, borderRadius: 2, flex: 'none' }),
    clusters: css({ listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: 4 }),
    cluster: css({
      width: '100%',
      textAlign: 'left',
      display: 'flex',
      flexDirection: 'column',
      gap: 2,
      padding: theme.spacing(0.5, 1),
      background: theme.colors.background.secondary,
      color: theme.colors.text.primary,
      border: `1px solid ${theme.visualization.getColorByName('orange')}`,
      borderRadius: theme.shape.radius.default,
      cursor: 'pointer',
      '&:hover': { background: theme.colors.action.hover },
      '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}` },
    }),
    clusterName: css({ fontWeight: theme.typography.fontWeightMedium }),
    example: css({
      color: theme.colors.text.secondary,
      overflow: 'hidden',
      textOverflow: 'ellipsis',
      whiteSpace: 'nowrap',
    }),
    actions: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0.5) }),
    tooltip: css({
      position: 'absolute',
      width: 280,
      padding: theme.spacing(1),
      background: theme.colors.background.elevated ?? theme.colors.background.secondary,
      color: theme.colors.text.primary,
      border: `1px solid ${theme.colors.border.medium}`,
      borderRadius: theme.shape.radius.default,
      boxShadow: theme.shadows.z2,
      pointerEvents: 'none',
      fontSize: theme.typography.bodySmall.fontSize,
      zIndex: 1,
      th: {
        textAlign: 'left',
        fontWeight: 'normal',
        color: theme.colors.text.secondary,
        paddingRight: theme.spacing(1),
      },
    }),
    tooltipText: css({ marginBottom: theme.spacing(0.5), whiteSpace: 'pre-wrap', wordBreak: 'break-word' }),
    tooltipId: css({ marginTop: theme.spacing(0.5), color: theme.colors.text.disabled, wordBreak: 'break-all' }),
  };
}
