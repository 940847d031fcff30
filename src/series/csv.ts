// CSV text (pasted or dropped) into numeric columns for forecasting. The person
// who pastes a spreadsheet export should learn exactly which cell stopped it,
// so every missing or non-numeric cell of a numeric column is reported with its
// 1-based row (as an editor numbers the file's lines, header included) and the
// column's name, and the parse itself never throws. No number is read from a
// row whose fields do not line up with the first row's: a cell there might
// belong to another column, so every cell of such a row is a problem cell.
//
// Dimension legend: C columns, N rows (data rows, header excluded). Values are
// per column (C arrays of N); T window and B batch do not appear here.

export type Delimiter = ',' | ';' | '\t';

export interface ColumnProblems {
  /** The first `maxProblems` messages, in row order. */
  messages: string[];
  /** How many problems there are in all (may exceed messages.length). */
  count: number;
}

export interface NumericColumn {
  name: string;
  /** 1-based column index in the file. */
  index: number;
  /** N values; NaN where the cell is missing or not a number. */
  values: Float64Array;
  problems: ColumnProblems;
}

export interface SkippedColumn {
  name: string;
  /** 1-based column index in the file. */
  index: number;
  /** 'empty': no cell holds anything; 'text': most filled cells are not numbers. */
  why: 'empty' | 'text';
  /** The first cell that is not a number: its 1-based file line and its text (null when empty). */
  first: { line: number; cell: string } | null;
}

export interface CsvResult {
  columns: NumericColumn[];
  /** N, the number of data rows. */
  rows: number;
  header: boolean;
  delimiter: Delimiter;
  /** Columns left out because they are empty or most of their cells are not numbers (dates, labels). */
  skipped: SkippedColumn[];
  /** Rows whose field count differs from the first row's (their cells are problem cells). */
  ragged: ColumnProblems;
  /** The 1-based line of a quote that is never closed (it swallows the rest of the file). */
  unclosedQuote: number | null;
}

export interface CsvOptions {
  /** Messages kept per column (and for ragged rows); the count still covers all. */
  maxProblems?: number;
  /** Force a delimiter instead of detecting it. */
  delimiter?: Delimiter;
}

export interface CsvRecord {
  /** The record's quote never closed: it ran to the end of the text. */
  unclosed?: boolean;
  fields: string[];
  /** 1-based line in the file where the record starts. */
  line: number;
}

const DELIMITERS: Delimiter[] = [',', ';', '\t'];
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// Spreadsheets in many locales write a decimal comma, and then separate fields
// with ';' or a tab. With ',' as the delimiter "1,000" is ambiguous (a thousands
// separator, or 1.0): it is not a number, unless the whole file is one column
// (see joinDecimalCommas).
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;

/** Whether a comma inside a field reads as a decimal comma under `delimiter`. */
export function commaIsDecimal(delimiter: Delimiter): boolean {
  return delimiter !== ',';
}

/** Splits text into records (RFC 4180 quoting: "" is a quote, quoted fields may span lines). */
export function splitRecords(text: string, delimiter: Delimiter): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    records.push({ fields, line: recordLine });
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field.trim() === '') {
      // A quote opens a quoted field only at its start (spaces before it are dropped).
      field = '';
      quoted = true;
    } else if (ch === delimiter) {
      fields.push(field);
      field = '';
    } else if (ch === '\r' || ch === '\n') {
      // CRLF, LF and a lone CR all end a record.
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += ch;
    }
    i++;
  }
  // The last record, unless the text ended with a newline.
  if (field !== '' || fields.length > 0 || quoted) {
    endRecord();
    if (quoted) records[records.length - 1].unclosed = true;
  }
  // Blank lines carry no data (a trailing newline, a gap between blocks).
  return records.filter((r) => !(r.fields.length === 1 && r.fields[0].trim() === ''));
}

/** The delimiter whose field count is most consistent (and largest) over the first lines. */
export function detectDelimiter(text: string): Delimiter {
  const sample = text.slice(0, 64 * 1024);
  let best: Delimiter = ',';
  let bestScore = -1;
  for (const d of DELIMITERS) {
    const records = splitRecords(sample, d).slice(0, 50);
    if (records.length === 0) continue;
    const counts = records.map((r) => r.fields.length);
    const mode = modeOf(counts);
    if (mode < 2) continue;
    const agree = counts.filter((c) => c === mode).length / counts.length;
    let cells = 0;
    let numbers = 0;
    for (const r of records) {
      for (const f of r.fields) {
        cells++;
        if (parseNumber(f, commaIsDecimal(d)) !== null) numbers++;
      }
    }
    // Agreement first, then how many cells read as numbers (a ';' file with decimal
    // commas also splits consistently on ',', but into pieces like "5;2"), then width.
    const score = agree * 1e4 + (numbers / cells) * 1e3 + Math.min(mode, 999);
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best;
}

function modeOf(xs: number[]): number {
  const freq = new Map<number, number>();
  let mode = xs[0];
  for (const x of xs) {
    const f = (freq.get(x) ?? 0) + 1;
    freq.set(x, f);
    if (f > (freq.get(mode) ?? 0)) mode = x;
  }
  return mode;
}

/**
 * A finite number, or null. Empty, NaN, Infinity, hex, "$1", "1%" are not
 * numbers here, nor is "1,5" unless `decimalComma`.
 */
export function parseNumber(cell: string, decimalComma = false): number | null {
  const s = cell.trim();
  if (DECIMAL.test(s)) return Number(s);
  if (decimalComma && DECIMAL_COMMA.test(s)) return Number(s.replace(',', '.'));
  return null;
}

/**
 * A one-column file with decimal commas ("value\n1,5\n2,5") splits on ',' into
 * a one-field first row and two-field rows, and its first field alone would be
 * a wrong number. When every row past the first has one field, or two that
 * joined again form a decimal-comma number, the rows are joined back in place
 * and true is returned (the commas are then decimal commas).
 */
function joinDecimalCommas(records: CsvRecord[], delimiter: Delimiter): boolean {
  if (delimiter !== ',' || records.length < 2 || records[0].fields.length !== 1) return false;
  const rest = records.slice(1);
  const joined = (r: CsvRecord) =>
    r.fields.length === 2 && DECIMAL_COMMA.test(r.fields.join(',').trim());
  if (!rest.some(joined) || !rest.every((r) => r.fields.length === 1 || joined(r))) return false;
  for (const r of rest) if (r.fields.length === 2) r.fields = [r.fields.join(',')];
  return true;
}

const fieldCount = (r: CsvRecord) =>
  r.fields.length === 1 ? '1 field' : `${r.fields.length} fields`;

export function parseCsv(input: string, options: CsvOptions = {}): CsvResult {
  const maxProblems = options.maxProblems ?? 10;
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input; // BOM from Excel
  const delimiter = options.delimiter ?? detectDelimiter(text);
  const records = splitRecords(text, delimiter);
  const empty: CsvResult = {
    columns: [],
    rows: 0,
    header: false,
    delimiter,
    skipped: [],
    ragged: { messages: [], count: 0 },
    unclosedQuote: null,
  };
  if (records.length === 0) return empty;

  const decimalComma = joinDecimalCommas(records, delimiter) || commaIsDecimal(delimiter);
  const width = records[0].fields.length;
  // A row with more fields than the first is still aligned when the extra ones
  // are blank (trailing delimiters); any other difference may shift its cells.
  const aligned = (r: CsvRecord) =>
    r.fields.length === width ||
    (r.fields.length > width && r.fields.slice(width).every((f) => f.trim() === ''));
  const isNum = (cell: string) => parseNumber(cell, decimalComma) !== null;
  const numericShare = (c: number, from: number) => {
    let filled = 0;
    let numbers = 0;
    // Ragged rows count too: a file of ragged rows still shows whether a column
    // holds numbers (its cells are then reported, not read).
    for (let r = from; r < records.length; r++) {
      const cell = records[r].fields[c] ?? '';
      if (cell.trim() === '') continue;
      filled++;
      if (isNum(cell)) numbers++;
    }
    return filled === 0 ? 0 : numbers / filled;
  };

  // A header: some first-row cell is text where the rows below it are mostly
  // numbers, or every first-row cell is text (then no column is numeric, but
  // the notes can name the columns). A lone row has nothing below it: no header.
  let header = records.length > 1 && records[0].fields.every((f) => f.trim() !== '' && !isNum(f));
  for (let c = 0; c < width && records.length > 1; c++) {
    const cell = records[0].fields[c];
    if (cell.trim() !== '' && !isNum(cell) && numericShare(c, 1) > 0.5) header = true;
  }
  const first = header ? 1 : 0;
  const data = records.slice(first);
  const names = uniqueNames(
    Array.from({ length: width }, (_, c) => {
      const name = header ? records[0].fields[c].trim() : '';
      return name === '' ? `column ${c + 1}` : name;
    }),
  );

  const ragged: ColumnProblems = { messages: [], count: 0 };
  for (const r of data) {
    if (aligned(r)) continue;
    ragged.count++;
    if (ragged.messages.length < maxProblems) {
      ragged.messages.push(`row ${r.line}: ${fieldCount(r)} where the first row has ${width}`);
    }
  }

  const columns: NumericColumn[] = [];
  const skipped: SkippedColumn[] = [];
  for (let c = 0; c < width; c++) {
    // Numeric when most filled cells are numbers: one typo must not hide a column,
    // but a column of dates or labels is not a series.
    if (numericShare(c, first) <= 0.5) {
      const cellOf = (r: CsvRecord) => (r.fields[c] ?? '').trim();
      const bad = data.find((r) => cellOf(r) !== '' && !isNum(cellOf(r)));
      skipped.push({
        name: names[c],
        index: c + 1,
        why: bad ? 'text' : 'empty',
        first: bad ? { line: bad.line, cell: cellOf(bad) } : null,
      });
      continue;
    }
    const values = new Float64Array(data.length);
    const problems: ColumnProblems = { messages: [], count: 0 };
    data.forEach((r, i) => {
      const cell = r.fields[c];
      const v = aligned(r) ? parseNumber(cell, decimalComma) : null;
      values[i] = v ?? NaN;
      if (v !== null) return;
      problems.count++;
      if (problems.messages.length >= maxProblems) return;
      const what = !aligned(r)
        ? `the row has ${fieldCount(r)} where the first row has ${width}, ` +
          'so its cells may belong to other columns'
        : cell.trim() === ''
          ? 'missing'
          : `${JSON.stringify(cell.trim())} is not a number`;
      problems.messages.push(`row ${r.line}, column ${JSON.stringify(names[c])}: ${what}`);
    });
    columns.push({ name: names[c], index: c + 1, values, problems });
  }
  const open = records.find((r) => r.unclosed);
  const unclosedQuote = open ? open.line : null;
  return { columns, rows: data.length, header, delimiter, skipped, ragged, unclosedQuote };
}

/**
 * The columns left out, with why: `not numeric, left out: "price" (row 2: "$1")`
 * (the first cell that is not a number, so the person sees what to fix) and
 * `empty, left out: "notes"`; at most one line of each kind.
 */
export function skippedSummary(result: CsvResult): string[] {
  const text = result.skipped.filter((s) => s.why === 'text');
  const empty = result.skipped.filter((s) => s.why === 'empty');
  const out: string[] = [];
  if (text.length > 0) {
    const each = text.map(
      (s) =>
        `${JSON.stringify(s.name)}` +
        (s.first ? ` (row ${s.first.line}: ${JSON.stringify(s.first.cell)})` : ''),
    );
    out.push(`not numeric, left out: ${each.join(', ')}`);
  }
  if (empty.length > 0) {
    out.push(`empty, left out: ${empty.map((s) => JSON.stringify(s.name)).join(', ')}`);
  }
  return out;
}

/**
 * Column names as the page and saved runs use them, each its own: a repeated
 * header ("value", "value") becomes "value", "value (2)", so choosing, saving and
 * resuming a column by name never lands on its namesake.
 */
function uniqueNames(names: string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    let unique = name;
    for (let k = 2; taken.has(unique); k++) unique = `${name} (${k})`;
    taken.add(unique);
    return unique;
  });
}

/** One line per column with problems: its messages, then "… and K more". */
export function problemSummary(result: CsvResult): string[] {
  const out: string[] = [];
  if (result.unclosedQuote !== null) {
    out.push(`row ${result.unclosedQuote}: a quote opens here and never closes`);
  }
  out.push(...result.ragged.messages);
  if (result.ragged.count > result.ragged.messages.length) {
    out.push(`… and ${result.ragged.count - result.ragged.messages.length} more ragged rows`);
  }
  for (const col of result.columns) {
    out.push(...col.problems.messages);
    const more = col.problems.count - col.problems.messages.length;
    if (more > 0) out.push(`… and ${more} more in column ${JSON.stringify(col.name)}`);
  }
  return out;
}
