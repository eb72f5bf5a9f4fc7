import React from 'react';
import { createDataFrame, type DataFrame, FieldType } from '@grafana/data';
import { locationService } from '@grafana/runtime';
import { act, fireEvent, render, screen } from '@testing-library/react';

import { panelProps } from '../../test/panelProps';
import { BiasTracePanel } from './BiasTracePanel';
import { DEFAULT_OPTIONS, type BiasTraceOptions } from './types';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  locationService: { partial: jest.fn() },
}));

interface Seg {
  feature: string;
  value: string;
  count: number;
  di: number | null;
  contribution: number | null;
  small?: boolean;
}

function frame(segs: Seg[]): DataFrame {
  return createDataFrame({
    name: 'bias trace',
    fields: [
      { name: 'feature', type: FieldType.string, values: segs.map((s) => s.feature) },
      { name: 'value', type: FieldType.string, values: segs.map((s) => s.value) },
      { name: 'count', type: FieldType.number, values: segs.map((s) => s.count) },
      { name: 'protected_count', type: FieldType.number, values: segs.map((s) => Math.floor(s.count / 2)) },
      { name: 'reference_count', type: FieldType.number, values: segs.map((s) => Math.ceil(s.count / 2)) },
      { name: 'disparate_impact', type: FieldType.number, values: segs.map((s) => s.di) },
      { name: 'contribution', type: FieldType.number, values: segs.map((s) => s.contribution) },
      { name: 'too_small', type: FieldType.boolean, values: segs.map((s) => s.small ?? false) },
    ],
    meta: { custom: { disparateImpact: 0.69, records: 5000 } },
  });
}

const segments: Seg[] = [
  { feature: 'features.region', value: 'south', count: 2491, di: 0.3, contribution: 0.25 },
  { feature: 'tags.channel', value: 'app', count: 2619, di: 0.63, contribution: 0.05 },
  {
    feature: 'features.employment_type',
    value: '<img src=x onerror="alert(1)">',
    count: 1191,
    di: 1.4,
    contribution: -0.02,
  },
  { feature: 'features.region', value: 'central', count: 12, di: null, contribution: 0.3, small: true },
];

function renderPanel(
  series: DataFrame[],
  options: Partial<BiasTraceOptions> = {},
  replaceVariables = (s: string) => s
) {
  const props = panelProps({
    id: 7,
    title: 'Bias trace',
    series,
    options: { ...DEFAULT_OPTIONS, ...options },
    width: 900,
    height: 400,
    replaceVariables,
  });
  return render(<BiasTracePanel {...props} />);
}

const rows = () => screen.getAllByTestId('biastrace-row');

beforeEach(() => jest.mocked(locationService.partial).mockReset());

describe('BiasTracePanel', () => {
  it('renders the segments in rank order, small ones last and unranked', () => {
    renderPanel([frame(segments)]);
    expect(rows().map((r) => r.getAttribute('data-segment'))).toEqual([
      'region=south',
      'tags.channel=app',
      'employment_type=<img src=x onerror="alert(1)">',
      'region=central',
    ]);
    expect(rows()[0]).toHaveTextContent('1region=south2,491+0.250.3');
    expect(rows()[3]).toHaveTextContent('small');
    expect(screen.getByText(/Disparate impact overall 0.69 · 5,000 records · 4 segments/)).toBeInTheDocument();
    expect(screen.getByLabelText('Colour scale of disparate_impact')).toHaveTextContent('0.25');
  });

  it('sets the drill-down variable on click and on Enter', () => {
    renderPanel([frame(segments)], { variable: 'segment', featureVariable: 'segment_feature' });
    fireEvent.click(rows()[0]);
    expect(locationService.partial).toHaveBeenCalledWith(
      { 'var-segment': 'south', 'var-segment_feature': 'features.region' },
      true
    );
    fireEvent.keyDown(rows()[1], { key: 'Enter' });
    expect(locationService.partial).toHaveBeenLastCalledWith(
      { 'var-segment': 'app', 'var-segment_feature': 'tags.channel' },
      true
    );
    expect(locationService.partial).toHaveBeenCalledTimes(2);
  });

  it('does nothing on click without a variable', () => {
    renderPanel([frame(segments)], { variable: '' });
    fireEvent.click(rows()[0]);
    expect(locationService.partial).not.toHaveBeenCalled();
  });

  it('moves between rows with the arrow keys, one tab stop', () => {
    renderPanel([frame(segments)]);
    expect(rows().map((r) => r.tabIndex)).toEqual([0, -1, -1, -1]);
    act(() => rows()[0].focus());
    fireEvent.keyDown(rows()[0], { key: 'ArrowDown' });
    expect(document.activeElement).toBe(rows()[1]);
    fireEvent.keyDown(rows()[1], { key: 'End' });
    expect(document.activeElement).toBe(rows()[3]);
    fireEvent.keyDown(rows()[3], { key: 'ArrowUp' });
    expect(document.activeElement).toBe(rows()[2]);
    expect(rows().map((r) => r.tabIndex)).toEqual([-1, -1, 0, -1]);
    fireEvent.keyDown(rows()[2], { key: 'Enter' });
    expect(locationService.partial).toHaveBeenCalledWith({ 'var-segment': '<img src=x onerror="alert(1)">' }, true);
  });

  it('renders tooltips as text, never as HTML', () => {
    const { container } = renderPanel([frame(segments)]);
    fireEvent.mouseEnter(rows()[2]);
    const tip = screen.getByRole('tooltip');
    expect(tip).toHaveTextContent('employment_type=<img src=x onerror="alert(1)">');
    expect(tip).toHaveTextContent('1,191 records (protected 595, reference 596)');
    expect(tip).toHaveTextContent('Contribution -0.02: it pulls disparate impact towards parity');
    expect(container.querySelector('img')).toBeNull();
    fireEvent.mouseLeave(rows()[2]);
    expect(screen.queryByRole('tooltip')).toBeNull();
  });

  it('says where a cell stands against the parity band', () => {
    renderPanel([frame(segments)]);
    const cell = rows()[0].querySelectorAll('[role="gridcell"]')[3];
    fireEvent.mouseEnter(cell);
    expect(screen.getByRole('tooltip')).toHaveTextContent('disparate_impact 0.3 (outside the parity band 0.8–1.25)');
  });

  it('marks the row of the current variable value', () => {
    renderPanel([frame(segments)], {}, (s) => (s === '${segment}' ? 'app' : s));
    expect(rows().map((r) => r.getAttribute('aria-selected'))).toEqual(['false', 'true', 'false', 'false']);
  });

  it('renders only the visible part of hundreds of segments and scrolls to the focused one', () => {
    const many: Seg[] = Array.from({ length: 600 }, (_, i) => ({
      feature: 'features.zip',
      value: `z${i}`,
      count: 100 + i,
      di: 0.5 + i / 1000,
      contribution: 1 - i / 600,
    }));
    renderPanel([frame(many)]);
    expect(rows().length).toBeLessThan(40);
    expect(rows()[0]).toHaveAttribute('data-segment', 'zip=z0');
    act(() => rows()[0].focus());
    fireEvent.keyDown(rows()[0], { key: 'End' });
    expect(document.activeElement).toHaveAttribute('data-segment', 'zip=z599');
    expect(rows().length).toBeLessThan(40);
  });

  it('explains a frame it cannot show', () => {
    renderPanel([createDataFrame({ fields: [{ name: 'x', type: FieldType.number, values: [1] }] })]);
    expect(screen.getByText(/Vigil biasTrace or performanceTrace query/)).toBeInTheDocument();
  });
});
