// Dimension legend: C columns, N rows; no T or B.

import { describe, expect, it } from 'vitest';
import {
  detectDelimiter,
  parseCsv,
  parseNumber,
  problemSummary,
  skippedSummary,
} from '../../../src/series/csv';

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
    expect(r.skipped).toEqual([
      { name: 'date', index: 1, why: 'text', first: { line: 2, cell: '2024-01-01' } },
    ]);
    expect(skippedSummary(r)).toEqual(['not numeric, left out: "date" (row 2: "2024-01-01")']);
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

  it('gives a repeated header name a number, so each column is chosen and saved as itself', () => {
    const r = parseCsv('value,value,temp,value\n1,2,3,4\n5,6,7,8\n');
    expect(r.columns.map((c) => c.name)).toEqual(['value', 'value (2)', 'temp', 'value (3)']);
    expect(Array.from(r.columns[1].values)).toEqual([2, 6]);
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

  it('reads no number from a ragged row: every cell of it is a problem, row and column named', () => {
    const r = parseCsv('a,b,c\n1,2,3\n4,5\n6,7,8,9\n');
    expect(r.ragged.count).toBe(2);
    expect(r.ragged.messages).toEqual([
      'row 3: 2 fields where the first row has 3',
      'row 4: 4 fields where the first row has 3',
    ]);
    for (const name of ['a', 'b', 'c']) {
      const c = col(r, name);
      expect(c.problems.count).toBe(2);
      expect(c.problems.messages[0]).toBe(
        `row 3, column "${name}": the row has 2 fields where the first row has 3, ` +
          'so its cells may belong to other columns',
      );
      expect(c.problems.messages[1]).toMatch(/^row 4, .*: the row has 4 fields/);
    }
    const a = Array.from(col(r, 'a').values);
    expect(a[0]).toBe(1);
    expect(a.slice(1).every(Number.isNaN)).toBe(true);
  });

  it('a row whose extra fields are blank (trailing delimiters) is not ragged', () => {
    const r = parseCsv('a,b\n1,2\n3,4,\n5,6, ,\n');
    expect(r.ragged.count).toBe(0);
    expect(Array.from(col(r, 'b').values)).toEqual([2, 4, 6]);
    expect(col(r, 'b').problems.count).toBe(0);
  });

  it('a one-column file with decimal commas reads them as decimals, not as a first field', () => {
    const r = parseCsv('value\n1,5\n2,5\n3\n-0,25\n');
    expect(r.delimiter).toBe(',');
    expect(r.header).toBe(true);
    expect(r.ragged.count).toBe(0);
    expect(r.columns.map((c) => c.name)).toEqual(['value']);
    expect(Array.from(col(r, 'value').values)).toEqual([1.5, 2.5, 3, -0.25]);
    // Rows that are not all decimal commas: two values, or text; ragged, never a first field.
    const mixed = parseCsv('value\n1,5\n2,abc\n');
    expect(mixed.ragged.count).toBe(2);
    expect(col(mixed, 'value').problems.count).toBe(2);
    expect(Array.from(col(mixed, 'value').values).every(Number.isNaN)).toBe(true);
  });

  it('tab-separated data with decimal commas', () => {
    expect(detectDelimiter('a\tb\n1,5\t2,5\n')).toBe('\t');
    const r = parseCsv('a\tb\n1,5\t2,5\n-3,25\t4\n');
    expect(r.delimiter).toBe('\t');
    expect(Array.from(col(r, 'a').values)).toEqual([1.5, -3.25]);
    expect(Array.from(col(r, 'b').values)).toEqual([2.5, 4]);
    // Without a header too: a tab beats ',' (which splits "1,5\t2,5" into "1", "5\t2", "5").
    expect(detectDelimiter('1,5\t2,5\n3,5\t4,5\n')).toBe('\t');
  });

  it('names the first cell that is not a number of a column left out, and says when one is empty', () => {
    const r = parseCsv('label,price,share,notes,v\nx,"1,000",1%,,1\ny,$1,2%,,2\n');
    expect(r.columns.map((c) => c.name)).toEqual(['v']);
    expect(skippedSummary(r)).toEqual([
      'not numeric, left out: "label" (row 2: "x"), "price" (row 2: "1,000"), "share" (row 2: "1%")',
      'empty, left out: "notes"',
    ]);
    // A one-column file of text: its first row is still its name.
    const one = parseCsv('price\n$1\n$2\n');
    expect(one.header).toBe(true);
    expect(skippedSummary(one)).toEqual(['not numeric, left out: "price" (row 2: "$1")']);
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
    expect(parseNumber('1,5', true)).toBe(1.5);
    expect(parseNumber('1,5')).toBeNull();
    for (const s of ['$1', '1%', '1,000.5', '1,5,0']) expect(parseNumber(s, true)).toBeNull();
  });
});
