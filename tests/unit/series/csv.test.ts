// Dimension legend: C columns, N rows; no T or B.

import { describe, expect, it } from 'vitest';
import { detectDelimiter, parseCsv, parseNumber, problemSummary } from '../../../src/series/csv';

const col = (r: ReturnType<typeof parseCsv>, name: string) => {
  const c = r.columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c;
};

describe('parseCsv', () => {
  it('reads a header and numeric columns, and leaves out a date column', () => {
    const r = parseCsv('date,temp,hum\n2024-01-01,1.5,40\n2024-01-02,-2e1,41\n');
    expect(r.header).toBe(true);
    expect(r.delimiter).toBe(',');
    expect(r.rows).toBe(2);
    expect(r.skipped).toEqual(['date']);
    expect(r.columns.map((c) => c.name)).toEqual(['temp', 'hum']);
    expect(Array.from(col(r, 'temp').values)).toEqual([1.5, -20]);
    expect(col(r, 'hum').index).toBe(3);
    expect(col(r, 'temp').problems).toEqual({ messages: [], count: 0 });
  });

  it('without a header names the columns by position', () => {
    const r = parseCsv('1,2\n3,4\n5,6');
    expect(r.header).toBe(false);
    expect(r.rows).toBe(3);
    expect(r.columns.map((c) => c.name)).toEqual(['column 1', 'column 2']);
    expect(Array.from(r.columns[1].values)).toEqual([2, 4, 6]);
  });

  it('reports missing and non-numeric cells with row, column and name', () => {
    const r = parseCsv('t,temp\n1,10\n2,n/a\n3,\n4,12\n');
    const temp = col(r, 'temp');
    expect(temp.problems.count).toBe(2);
    expect(temp.problems.messages).toEqual([
      'row 3, column "temp": "n/a" is not a number',
      'row 4, column "temp": missing',
    ]);
    expect(Number.isNaN(temp.values[1])).toBe(true);
    expect(Number.isNaN(temp.values[2])).toBe(true);
    expect(temp.values[3]).toBe(12);
  });

  it('lists at most maxProblems messages but counts them all', () => {
    const lines = ['x'];
    for (let i = 0; i < 30; i++) lines.push(i % 3 === 0 ? 'bad' : String(i));
    const r = parseCsv(lines.join('\n'), { maxProblems: 3 });
    const x = col(r, 'x');
    expect(x.problems.count).toBe(10);
    expect(x.problems.messages).toEqual([
      'row 2, column "x": "bad" is not a number',
      'row 5, column "x": "bad" is not a number',
      'row 8, column "x": "bad" is not a number',
    ]);
    expect(problemSummary(r)).toContain('… and 7 more in column "x"');
  });

  it('handles CRLF, a BOM, a trailing newline and blank lines', () => {
    const r = parseCsv('\uFEFFa,b\r\n1,2\r\n\r\n3,4\r\n');
    expect(r.header).toBe(true);
    expect(r.columns.map((c) => c.name)).toEqual(['a', 'b']);
    expect(Array.from(col(r, 'b').values)).toEqual([2, 4]);
    expect(r.rows).toBe(2);
  });

  it('detects semicolons (with decimal commas) and tabs', () => {
    expect(detectDelimiter('a;b\n1,5;2,5\n3,5;4\n')).toBe(';');
    const semi = parseCsv('a;b\n1,5;2,5\n3,5;4\n');
    expect(semi.delimiter).toBe(';');
    expect(Array.from(col(semi, 'a').values)).toEqual([1.5, 3.5]);
    const tab = parseCsv('a\tb\n1\t2\n3\t4\n');
    expect(tab.delimiter).toBe('\t');
    expect(Array.from(col(tab, 'b').values)).toEqual([2, 4]);
  });

  it('reads quoted fields: delimiters, escaped quotes and newlines inside', () => {
    const r = parseCsv('"name, with comma","say ""hi"""\n1,"2"\n"3",4\n');
    expect(r.columns.map((c) => c.name)).toEqual(['name, with comma', 'say "hi"']);
    expect(Array.from(r.columns[0].values)).toEqual([1, 3]);
    // A quoted newline keeps the record whole; later rows keep their file line numbers.
    const multi = parseCsv('note,v\n"two\nlines",1\nx,oops\ny,2\n');
    expect(multi.header).toBe(true);
    expect(multi.rows).toBe(3);
    expect(col(multi, 'v').problems.messages).toEqual([
      'row 4, column "v": "oops" is not a number',
    ]);
  });

  it('reports ragged rows; a short row leaves its missing cells reported', () => {
    const r = parseCsv('a,b,c\n1,2,3\n4,5\n6,7,8,9\n');
    expect(r.ragged.count).toBe(2);
    expect(r.ragged.messages).toEqual([
      'row 3: 2 fields where the first row has 3',
      'row 4: 4 fields where the first row has 3',
    ]);
    expect(col(r, 'c').problems.messages).toEqual(['row 3, column "c": missing']);
    expect(Array.from(col(r, 'a').values)).toEqual([1, 4, 6]);
  });

  it('reports a quote that never closes, with the line it opens on', () => {
    const r = parseCsv('a,b\n1,2\n3,"4\n5,6\n');
    expect(r.unclosedQuote).toBe(3);
    expect(problemSummary(r)[0]).toBe('row 3: a quote opens here and never closes');
    expect(parseCsv('a,b\n1,2\n').unclosedQuote).toBeNull();
  });

  it('empty text gives no columns', () => {
    expect(parseCsv('')).toMatchObject({ columns: [], rows: 0, header: false });
    expect(parseCsv('\n\n').rows).toBe(0);
  });
});

describe('parseNumber', () => {
  it('accepts decimals and exponents, rejects the rest', () => {
    expect(parseNumber(' 3.25 ')).toBe(3.25);
    expect(parseNumber('.5')).toBe(0.5);
    expect(parseNumber('-1e-3')).toBe(-0.001);
    for (const s of ['', 'NaN', 'Infinity', '0x10', '1,000', '1.2.3', 'abc']) {
      expect(parseNumber(s)).toBeNull();
    }
    expect(parseNumber('1,5', ';')).toBe(1.5);
  });
});
