import { type DataFrame, getDefaultTimeRange, LoadingState, type PanelProps } from '@grafana/data';

interface PanelPropsInput<T> {
  id: number;
  title: string;
  series: DataFrame[];
  options: T;
  width: number;
  height: number;
  /** The request behind the data (its targets), when the panel reads it. */
  request?: { targets: Array<Record<string, unknown>> };
  replaceVariables?: (s: string) => string;
}

/** The props Grafana gives a panel, for rendering panels in Jest: data done, the default time range, UTC. */
export function panelProps<T>(p: PanelPropsInput<T>): PanelProps<T> {
  const timeRange = getDefaultTimeRange();
  return {
    id: p.id,
    data: { series: p.series, state: LoadingState.Done, timeRange, ...(p.request ? { request: p.request } : {}) },
    timeRange,
    timeZone: 'utc',
    options: p.options,
    fieldConfig: { defaults: {}, overrides: [] },
    width: p.width,
    height: p.height,
    title: p.title,
    transparent: false,
    renderCounter: 0,
    replaceVariables: p.replaceVariables ?? ((s: string) => s),
    onOptionsChange: jest.fn(),
    onFieldConfigChange: jest.fn(),
    onChangeTimeRange: jest.fn(),
    eventBus: undefined,
  } as unknown as PanelProps<T>;
}
