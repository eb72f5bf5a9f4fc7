import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import { locationService, PanelDataErrorView } from '@grafana/runtime';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { formatContribution, formatCount, formatValue, tooltipLines } from './format';
import { prepareBiasTrace, type BiasTraceModel, type HeatColumn, type SegmentRow } from './prepare';
import { colorAt, inParityBand, mixColors, type Palette, scalePosition, valueAt } from './scale';
import { DEFAULT_OPTIONS, type BiasTraceOptions } from './types';

const HEADER_HEIGHT = 36;
const COLUMN_HEADER_HEIGHT = 24;
const RANK_WIDTH = 36;
const COUNT_WIDTH = 112;
const CONTRIBUTION_WIDTH = 124;
/** Room for a count or a contribution beside its bar: the bar never runs under the text. */
const BAR_TEXT_WIDTH = 48;
/** A signed contribution such as +0.00587 needs a little more. */
const CONTRIBUTION_TEXT_WIDTH = 60;
const MIN_CELL_WIDTH = 10;
const VALUE_CELL_WIDTH = 38;
const OVERSCAN = 6;

type Props = PanelProps<BiasTraceOptions>;

interface Hover {
  row: number;
  column: number | null;
  x: number;
  y: number;
}

/** The drill-down: sets the dashboard variable(s) to the segment, replacing the history entry. */
export function selectSegment(options: Pick<BiasTraceOptions, 'variable' | 'featureVariable'>, row: SegmentRow) {
  if (!options.variable) {
    return;
  }
  const query: Record<string, string> = { [`var-${options.variable}`]: row.variableValue };
  if (options.featureVariable) {
    query[`var-${options.featureVariable}`] = row.variableFeature;
  }
  locationService.partial(query, true);
}

/** The current value of a dashboard variable, or undefined when the dashboard has none of that name. */
function currentValue(replaceVariables: Props['replaceVariables'], name: string): string | undefined {
  if (!name || !/^[A-Za-z0-9_]+$/.test(name)) {
    return undefined;
  }
  const raw = `\${${name}}`;
  const v = replaceVariables(raw);
  return v === raw ? undefined : v;
}

export function BiasTracePanel({ data, options: given, width, height, replaceVariables, id }: Props) {
  const options = { ...DEFAULT_OPTIONS, ...given };
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const prepared = useMemo(
    () => prepareBiasTrace(data.series, options.columns, options.metric),
    [data.series, options.columns, options.metric]
  );
  const palette: Palette = useMemo(
    () => ({
      below: theme.visualization.getColorByName('red'),
      parity: theme.colors.background.primary,
      above: theme.visualization.getColorByName('blue'),
      uncertain: theme.colors.text.disabled,
    }),
    [theme]
  );

  if (!prepared.ok) {
    return <PanelDataErrorView panelId={id} data={data} message={prepared.message} needsStringField />;
  }
  if (prepared.model.rows.length === 0) {
    return <PanelDataErrorView panelId={id} data={data} message="No segment to show in this time range." />;
  }
  return (
    <div className={styles.panel} style={{ width, height }}>
      <Header model={prepared.model} palette={palette} width={width} />
      <Grid
        model={prepared.model}
        options={options}
        palette={palette}
        width={width}
        height={Math.max(height - HEADER_HEIGHT, COLUMN_HEADER_HEIGHT + options.rowHeight)}
        selected={currentValue(replaceVariables, options.variable)}
      />
    </div>
  );
}

function Header({ model, palette, width }: { model: BiasTraceModel; palette: Palette; width: number }) {
  const styles = useStyles2(getStyles);
  const traced = model.trace === 'performance' ? model.traceMetric : 'Disparate impact';
  const uncertain = model.rows.some((r) => r.uncertain || r.cells.some((c) => c.uncertain));
  const level = model.confidence !== undefined ? `${Number((model.confidence * 100).toPrecision(4))}% ` : '';
  const summary = [
    model.overall !== undefined ? `${traced} overall ${formatValue(model.overall)}` : '',
    model.records !== undefined ? `${formatCount(model.records)} records` : '',
    `${model.rows.length} segments`,
    uncertain ? `grey: the ${level}interval contains 1` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <div className={styles.header} style={{ height: HEADER_HEIGHT }}>
      <span className={styles.summary} title={summary}>
        {summary}
      </span>
      {width > 360 && model.columns[0] && <Legend column={model.columns[0]} palette={palette} />}
    </div>
  );
}

const LEGEND_WIDTH = 180;

/** The colour legend: the scale's gradient with parity and the parity band marked. */
function Legend({ column, palette }: { column: HeatColumn; palette: Palette }) {
  const styles = useStyles2(getStyles);
  const { kind, metric, spec } = column;
  const performance = kind === 'higherBetter' || kind === 'lowerBetter';
  const tickLabel = (t: number) => {
    if (performance && t !== 0) {
      return t < 0 ? 'worse' : 'better';
    }
    return formatValue(valueAt(spec, t)) + (t === 1 && kind !== 'rate' ? '+' : '');
  };
  const stops = Array.from({ length: 11 }, (_, i) => {
    const p = kind === 'rate' ? i / 10 : -1 + (2 * i) / 10;
    return `${colorAt(palette, p)} ${i * 10}%`;
  });
  const x = (position: number) => (kind === 'rate' ? position : (position + 1) / 2) * LEGEND_WIDTH;
  const ticks = kind === 'rate' ? [0, 0.5, 1] : [-1, 0, 1];
  const band = spec.band
    ? [scalePosition(spec, spec.band[0]) ?? 0, scalePosition(spec, spec.band[1]) ?? 0].map(x)
    : undefined;
  return (
    <div className={styles.legend} aria-label={`Colour scale of ${metric}`}>
      <span className={styles.legendName}>{metric}</span>
      <div className={styles.legendScale} style={{ width: LEGEND_WIDTH }}>
        <div className={styles.legendBar} style={{ background: `linear-gradient(to right, ${stops.join(', ')})` }} />
        {band && (
          <div
            className={styles.legendBand}
            style={{ left: band[0], width: Math.max(band[1] - band[0], 2) }}
            title={`Parity band ${spec.band![0]}–${spec.band![1]}`}
          />
        )}
        {ticks.map((t) => (
          <span
            key={t}
            className={styles.legendTick}
            style={{ left: x(t), transform: `translateX(${t === ticks[0] ? 0 : t === ticks[2] ? -100 : -50}%)` }}
          >
            {tickLabel(t)}
          </span>
        ))}
      </div>
    </div>
  );
}

interface GridProps {
  model: BiasTraceModel;
  options: BiasTraceOptions;
  palette: Palette;
  width: number;
  height: number;
  selected?: string;
}

function Grid({ model, options, palette, width, height, selected }: GridProps) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const { rows, columns } = model;
  const rowHeight = options.rowHeight;
  const labelWidth = Math.min(260, Math.max(110, Math.round(width * 0.28)));
  const fixedWidth = RANK_WIDTH + labelWidth + COUNT_WIDTH + CONTRIBUTION_WIDTH;
  const cellWidth = Math.max(MIN_CELL_WIDTH, Math.floor((width - fixedWidth - 2) / Math.max(columns.length, 1)));
  const contentWidth = fixedWidth + cellWidth * columns.length;
  const bodyHeight = height - COLUMN_HEADER_HEIGHT;
  const maxCellCount = useMemo(
    () => Math.max(1, ...rows.flatMap((r) => r.cells.map((c) => (c.value === null ? 0 : (c.count ?? 0))))),
    [rows]
  );

  const bodyRef = useRef<HTMLDivElement>(null);
  const rowRefs = useRef(new Map<number, HTMLDivElement>());
  const [scrollTop, setScrollTop] = useState(0);
  const [active, setActive] = useState(0);
  // The row keyboard focus moves to, until it is rendered (rows outside the viewport are not).
  const pendingFocus = useRef<number | null>(null);
  const [hover, setHover] = useState<Hover | null>(null);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + bodyHeight) / rowHeight) + OVERSCAN);
  const activeRow = Math.min(active, rows.length - 1);

  // Keyboard focus follows the active row once it is rendered; runs after every render on purpose.
  useEffect(() => {
    const index = pendingFocus.current;
    const el = index === null ? undefined : rowRefs.current.get(index);
    if (el) {
      el.focus();
      pendingFocus.current = null;
    }
  });

  const moveTo = useCallback(
    (index: number) => {
      const next = Math.max(0, Math.min(rows.length - 1, index));
      const body = bodyRef.current;
      if (body) {
        const top = next * rowHeight;
        if (top < body.scrollTop) {
          body.scrollTop = top;
        } else if (top + rowHeight > body.scrollTop + bodyHeight) {
          body.scrollTop = top + rowHeight - bodyHeight;
        }
        setScrollTop(body.scrollTop);
      }
      setActive(next);
      pendingFocus.current = next;
      rowRefs.current.get(next)?.focus();
    },
    [rows.length, rowHeight, bodyHeight]
  );

  const onKeyDown = (event: React.KeyboardEvent, index: number) => {
    const page = Math.max(1, Math.floor(bodyHeight / rowHeight) - 1);
    const moves: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + page,
      PageUp: index - page,
      Home: 0,
      End: rows.length - 1,
    };
    if (event.key in moves) {
      event.preventDefault();
      setHover(null);
      moveTo(moves[event.key]);
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      selectSegment(options, rows[index]);
    } else if (event.key === 'Escape') {
      setHover(null);
    }
  };

  const showHover = (event: React.MouseEvent | React.FocusEvent, row: number, column: number | null) => {
    const host = bodyRef.current?.parentElement?.getBoundingClientRect();
    const target = (event.currentTarget as HTMLElement).getBoundingClientRect();
    setHover({
      row,
      column,
      x: target.left - (host?.left ?? 0) + Math.min(target.width, 24),
      y: target.top - (host?.top ?? 0) + target.height,
    });
  };

  const contributionColor = (v: number) =>
    v > 0 ? theme.visualization.getColorByName('orange') : theme.visualization.getColorByName('green');
  const labelStep = Math.max(1, Math.ceil(44 / cellWidth));

  const visible: React.ReactNode[] = [];
  for (let i = first; i < last; i++) {
    const row = rows[i];
    const isSelected = selected !== undefined && selected === row.variableValue;
    visible.push(
      <div
        key={row.key}
        ref={(el) => {
          if (el) {
            rowRefs.current.set(i, el);
          } else {
            rowRefs.current.delete(i);
          }
        }}
        role="row"
        aria-rowindex={i + 2}
        aria-selected={isSelected}
        tabIndex={i === activeRow ? 0 : -1}
        data-testid="biastrace-row"
        data-segment={row.label}
        data-uncertain={row.uncertain ? 'true' : undefined}
        className={cx(
          styles.row,
          row.tooSmall && styles.small,
          row.uncertain && styles.uncertain,
          isSelected && styles.selected
        )}
        style={{ top: i * rowHeight, height: rowHeight, width: contentWidth }}
        onClick={() => {
          setActive(i);
          selectSegment(options, row);
        }}
        onKeyDown={(e) => onKeyDown(e, i)}
        onFocus={(e) => {
          setActive(i);
          if (e.target === e.currentTarget) {
            showHover(e, i, null);
          }
        }}
        onBlur={() => setHover(null)}
        onMouseEnter={(e) => showHover(e, i, null)}
        onMouseLeave={() => setHover(null)}
      >
        <div role="rowheader" className={styles.rank} style={{ width: RANK_WIDTH }}>
          {row.rank ?? (row.tooSmall ? 'small' : '—')}
        </div>
        <div role="gridcell" className={styles.label} style={{ width: labelWidth }}>
          {row.label}
        </div>
        <div role="gridcell" className={styles.bar} style={{ width: COUNT_WIDTH }}>
          <span className={styles.barTrack}>
            <span
              className={styles.barFill}
              data-testid="biastrace-count-bar"
              style={{
                width: `${((row.count ?? 0) / Math.max(model.maxCount, 1)) * 100}%`,
                background: theme.colors.text.disabled,
              }}
            />
          </span>
          <span className={styles.barText} data-testid="biastrace-count" style={{ width: BAR_TEXT_WIDTH }}>
            {formatCount(row.count)}
          </span>
        </div>
        <div role="gridcell" className={styles.bar} style={{ width: CONTRIBUTION_WIDTH }}>
          <span className={styles.barTrack}>
            {row.contribution !== null && (
              <span
                className={styles.barFill}
                style={{
                  width: `${(Math.abs(row.contribution) / Math.max(model.maxContribution, 1e-12)) * 50}%`,
                  left: row.contribution >= 0 ? '50%' : undefined,
                  right: row.contribution < 0 ? '50%' : undefined,
                  background: contributionColor(row.contribution),
                }}
              />
            )}
          </span>
          <span className={styles.barText} style={{ width: CONTRIBUTION_TEXT_WIDTH }}>
            {formatContribution(row.contribution)}
          </span>
        </div>
        {row.cells.map((cell, c) => {
          const column = columns[c];
          const spec = column.spec;
          const colour = colorAt(palette, scalePosition(spec, cell.value));
          // A disparity whose interval contains 1 may be chance: grey instead of the scale's colour.
          const background = colour && cell.uncertain ? mixColors(palette.parity, palette.uncertain, 0.35) : colour;
          const outside =
            spec.band !== undefined && cell.value !== null && !cell.uncertain && !inParityBand(spec, cell.value);
          return (
            <div
              key={column.key}
              role="gridcell"
              data-uncertain={cell.uncertain ? 'true' : undefined}
              className={cx(styles.cell, cell.value === null && styles.empty)}
              style={{
                width: cellWidth,
                background: background ?? undefined,
                color: background ? theme.colors.getContrastText(background) : undefined,
                fontWeight: outside ? theme.typography.fontWeightMedium : undefined,
              }}
              onMouseEnter={(e) => {
                e.stopPropagation();
                showHover(e, i, c);
              }}
            >
              {options.showValues && cellWidth >= VALUE_CELL_WIDTH && (
                <span className={styles.cellValue}>{formatValue(cell.value)}</span>
              )}
              {cell.count !== null && cell.value !== null && (
                <span className={styles.volume} style={{ width: `${Math.min(1, cell.count / maxCellCount) * 100}%` }} />
              )}
            </div>
          );
        })}
      </div>
    );
  }

  const hovered = hover && rows[hover.row];
  const hoverColumn = hover && hover.column !== null ? columns[hover.column] : undefined;
  return (
    <div className={styles.gridHost} style={{ height }}>
      <div
        role="grid"
        aria-label={`Segments ranked by contribution to ${model.trace === 'performance' ? model.traceMetric : 'disparate impact'}`}
        aria-rowcount={rows.length + 1}
        className={styles.body}
        ref={bodyRef}
        style={{ height }}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      >
        <div
          role="row"
          aria-rowindex={1}
          className={styles.columnHeader}
          style={{ width: contentWidth, height: COLUMN_HEADER_HEIGHT }}
        >
          <div role="columnheader" style={{ width: RANK_WIDTH }}>
            #
          </div>
          <div role="columnheader" style={{ width: labelWidth }}>
            Segment
          </div>
          <div role="columnheader" style={{ width: COUNT_WIDTH }}>
            Records
          </div>
          <div role="columnheader" style={{ width: CONTRIBUTION_WIDTH }}>
            Contribution
          </div>
          {columns.map((column, c) => (
            <div
              key={column.key}
              role="columnheader"
              className={styles.heatHeader}
              style={{ width: cellWidth }}
              title={column.title}
            >
              {c % labelStep === 0 ? column.short : ''}
            </div>
          ))}
        </div>
        <div className={styles.rows} style={{ height: rows.length * rowHeight, width: contentWidth }}>
          {visible}
        </div>
      </div>
      {hovered && (
        <div role="tooltip" className={styles.tooltip} style={{ left: hover.x, top: hover.y }}>
          {tooltipLines(hovered, hoverColumn, hoverColumn ? hovered.cells[hover.column!] : undefined, model).map(
            (line, i) => (
              <div key={i} className={i === 0 ? styles.tooltipTitle : undefined}>
                {line}
              </div>
            )
          )}
        </div>
      )}
    </div>
  );
}

function getStyles(theme: GrafanaTheme2) {
  return {
    panel: css({
      display: 'flex',
      flexDirection: 'column',
      overflow: 'hidden',
      fontSize: theme.typography.bodySmall.fontSize,
      color: theme.colors.text.primary,
    }),
    header: css({
      display: 'flex',
      alignItems: 'center',
      justifyContent: 'space-between',
      gap: theme.spacing(2),
      flex: 'none',
    }),
    summary: css({
      color: theme.colors.text.secondary,
      whiteSpace: 'nowrap',
      overflow: 'hidden',
      textOverflow: 'ellipsis',
    }),
    legend: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), flex: 'none' }),
    legendName: css({ color: theme.colors.text.secondary }),
    legendScale: css({ position: 'relative', height: 30 }),
    legendBar: css({
      position: 'absolute',
      top: 2,
      left: 0,
      right: 0,
      height: 10,
      borderRadius: theme.shape.radius.default,
      border: `1px solid ${theme.colors.border.weak}`,
    }),
    legendBand: css({
      position: 'absolute',
      top: 0,
      height: 14,
      border: `1px dashed ${theme.colors.text.primary}`,
      borderRadius: 2,
    }),
    legendTick: css({
      position: 'absolute',
      top: 16,
      fontSize: 10,
      lineHeight: '12px',
      color: theme.colors.text.secondary,
      whiteSpace: 'nowrap',
    }),
    gridHost: css({ position: 'relative', flex: 'auto', minHeight: 0 }),
    body: css({ overflow: 'auto', position: 'relative' }),
    columnHeader: css({
      position: 'sticky',
      top: 0,
      zIndex: 1,
      display: 'flex',
      alignItems: 'center',
      background: theme.colors.background.primary,
      borderBottom: `1px solid ${theme.colors.border.medium}`,
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightMedium,
      '& > div': { padding: theme.spacing(0, 0.5), whiteSpace: 'nowrap', overflow: 'hidden', flex: 'none' },
    }),
    heatHeader: css({ fontSize: 10, textOverflow: 'clip' }),
    rows: css({ position: 'relative' }),
    row: css({
      position: 'absolute',
      left: 0,
      display: 'flex',
      alignItems: 'stretch',
      cursor: 'pointer',
      borderBottom: `1px solid ${theme.colors.border.weak}`,
      '&:hover': { background: theme.colors.action.hover },
      '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}`, outlineOffset: -2 },
      '& > div': { flex: 'none' },
    }),
    small: css({ color: theme.colors.text.secondary, fontStyle: 'italic' }),
    uncertain: css({ color: theme.colors.text.secondary }),
    selected: css({
      background: theme.colors.action.selected,
      boxShadow: `inset 3px 0 0 ${theme.colors.primary.main}`,
    }),
    rank: css({
      display: 'flex',
      alignItems: 'center',
      justifyContent: 'flex-end',
      paddingRight: theme.spacing(1),
      color: theme.colors.text.secondary,
      fontVariantNumeric: 'tabular-nums',
    }),
    label: css({
      display: 'flex',
      alignItems: 'center',
      padding: theme.spacing(0, 0.5),
      overflow: 'hidden',
      whiteSpace: 'nowrap',
      textOverflow: 'ellipsis',
    }),
    bar: css({
      display: 'flex',
      alignItems: 'stretch',
      gap: theme.spacing(0.5),
      padding: theme.spacing(0, 0.5),
      fontVariantNumeric: 'tabular-nums',
    }),
    barTrack: css({ position: 'relative', flex: 'auto', minWidth: 0 }),
    barFill: css({ position: 'absolute', top: '30%', bottom: '30%', left: 0, opacity: 0.6, borderRadius: 1 }),
    barText: css({
      flex: 'none',
      display: 'flex',
      alignItems: 'center',
      justifyContent: 'flex-end',
      whiteSpace: 'nowrap',
    }),
    cell: css({
      position: 'relative',
      display: 'flex',
      alignItems: 'center',
      justifyContent: 'center',
      borderLeft: `1px solid ${theme.colors.background.primary}`,
      fontVariantNumeric: 'tabular-nums',
      overflow: 'hidden',
    }),
    empty: css({
      background: `repeating-linear-gradient(45deg, transparent 0 3px, ${theme.colors.border.weak} 3px 4px)`,
    }),
    cellValue: css({ fontSize: 11 }),
    volume: css({
      position: 'absolute',
      left: 0,
      bottom: 0,
      height: 3,
      background: theme.colors.text.secondary,
      opacity: 0.6,
    }),
    tooltip: css({
      position: 'absolute',
      zIndex: theme.zIndex.tooltip,
      maxWidth: 360,
      padding: theme.spacing(0.75, 1),
      background: theme.colors.background.elevated,
      border: `1px solid ${theme.colors.border.medium}`,
      borderRadius: theme.shape.radius.default,
      boxShadow: theme.shadows.z2,
      pointerEvents: 'none',
      whiteSpace: 'pre-wrap',
      overflowWrap: 'anywhere',
    }),
    tooltipTitle: css({ fontWeight: theme.typography.fontWeightMedium }),
  };
}
