import { exportedIds, exportFileName, exportRequest, exportUrl } from './exportSelection';

describe('export payload', () => {
  it('asks the export route for the selected ids in the chosen format', () => {
    expect(exportRequest('review-sentiment', ['a', 'b'], 'csv')).toEqual({
      model: 'review-sentiment',
      ids: ['a', 'b'],
      format: 'csv',
    });
    expect(exportRequest('m', ['x'], 'ndjson')).toEqual({ model: 'm', ids: ['x'], format: 'ndjson' });
    expect(exportUrl('vigil')).toBe('/api/datasources/uid/vigil/resources/export');
    expect(exportUrl('a/b c')).toBe('/api/datasources/uid/a%2Fb%20c/resources/export');
  });

  it('names the download after the model, the size and the format', () => {
    expect(exportFileName('review-sentiment', 12, 'csv')).toBe('review-sentiment-12-points.csv');
    expect(exportFileName('a b/c', 1, 'ndjson')).toBe('a_b_c-1-points.ndjson');
  });

  it('reads the ids of a CSV answer (RFC 4180: quotes, commas and line breaks in fields)', () => {
    const csv =
      'id,time,version,environment,text,prediction,actual\r\n' +
      'r1,2026-10-30T00:00:00.000Z,v1,production,"Llegó tarde, ""muy"" mal",negative,\r\n' +
      'r2,2026-10-30T00:00:01.000Z,v1,production,"two\nlines",positive,positive\r\n';
    expect(exportedIds(csv, 'csv')).toEqual(['r1', 'r2']);
    expect(exportedIds('text,id\r\n"a,b",x9\r\n', 'csv')).toEqual(['x9']);
    expect(exportedIds('id,time\r\n', 'csv')).toEqual([]);
    expect(exportedIds("id,text\r\n'=cmd#1,x\r\n''quoted,y\r\n-1.5,z\r\n", 'csv')).toEqual([
      '=cmd#1',
      "'quoted",
      '-1.5',
    ]);
    expect(() => exportedIds('time\r\n1\r\n', 'csv')).toThrow(/no id column/);
  });

  it('reads the ids of an NDJSON answer', () => {
    const ndjson = '{"id":"a","text":"x"}\n{"id":"b","text":"y\\nz"}\n';
    expect(exportedIds(ndjson, 'ndjson')).toEqual(['a', 'b']);
    expect(exportedIds('', 'ndjson')).toEqual([]);
  });
});
