/**
 * RFC 4180 CSV tokenizing that works on chunks, so the fs reader can stream a file of any size
 * through it: quoted fields (with doubled quotes, delimiters and line breaks inside), CRLF / LF /
 * CR line ends, a UTF-8 byte-order mark, and blank lines (skipped). Each record carries the
 * 1-based physical line it starts on, so later errors ("ragged row", "not a number") point at
 * the right line of the user's file.
 *
 * Example:
 *   const t = new CsvTokenizer({ source: 'train.csv' });
 *   const records = [...t.push('a,b\n1,"x, y"\n'), ...t.end()];
 *   // [{ fields: ['a','b'], line: 1 }, { fields: ['1','x, y'], line: 2 }]
 */
import { DatasetError } from './errors';

export interface CsvRecord {
  readonly fields: string[];
  /** 1-based line on which the record starts. */
  readonly line: number;
}

export interface CsvOptions {
  /** Field delimiter, one character; default ','. */
  readonly delimiter?: string;
  /** File name used in error messages. */
  readonly source?: string;
  /**
   * Longest field accepted (default MAX_CSV_FIELD_CHARS); longer is taken for a missing closing
   * quote. Text datasets raise it (MAX_TEXT_CSV_FIELD_CHARS): a long document in one cell is real
   * data there, cut and reported by the text reader.
   */
  readonly maxFieldChars?: number;
}

/** Largest field accepted; longer means a missing closing quote swallowed the file. */
export const MAX_CSV_FIELD_CHARS = 1 << 20;
/** Largest field of a text dataset's CSV (64 Mi characters): a 10 MB document in one cell is read, then cut by the text reader. */
export const MAX_TEXT_CSV_FIELD_CHARS = 1 << 26;

export class CsvTokenizer {
  private readonly delimiter: string;
  private readonly source: string;
  private readonly maxFieldChars: number;
  private field = '';
  private fields: string[] = [];
  private inQuotes = false;
  /** The previous character closed a quoted field: only a delimiter or line end may follow. */
  private afterClosingQuote = false;
  /** A quote inside quotes was seen; the next character decides (escaped quote or end). */
  private pendingQuote = false;
  private pendingCarriageReturn = false;
  private fieldWasQuoted = false;
  private line = 1;
  private recordLine = 1;
  private started = false;
  private recordHasContent = false;

  constructor(options: CsvOptions = {}) {
    this.delimiter = options.delimiter ?? ',';
    if (this.delimiter.length !== 1 || this.delimiter === '"' || this.delimiter === '\n' || this.delimiter === '\r') {
      throw new RangeError(`CsvTokenizer: invalid delimiter ${JSON.stringify(this.delimiter)}`);
    }
    this.source = options.source ?? 'CSV data';
    this.maxFieldChars = options.maxFieldChars ?? MAX_CSV_FIELD_CHARS;
  }

  /** Feeds the next chunk of text; returns the records completed by it. */
  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let start = 0;
    if (!this.started) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) start = 1; // BOM
    }
    const delimiterCode = this.delimiter.charCodeAt(0);
    for (let i = start; i < chunk.length; i++) {
      // Fast path: copy a run of ordinary characters in one slice (most of any file).
      if (!this.pendingCarriageReturn && !this.pendingQuote && !this.afterClosingQuote) {
        let j = i;
        if (this.inQuotes) {
          while (j < chunk.length) {
            const code = chunk.charCodeAt(j);
            if (code === 34 || code === 10 || code === 13) break;
            j++;
          }
        } else {
          while (j < chunk.length) {
            const code = chunk.charCodeAt(j);
            if (code === delimiterCode || code === 34 || code === 10 || code === 13) break;
            j++;
          }
          if (j > i) this.recordHasContent = true;
        }
        if (j > i) {
          this.field += chunk.slice(i, j);
          this.checkFieldLength();
          i = j;
          if (i >= chunk.length) break;
        }
      }
      const c = chunk[i]!;
      if (this.pendingCarriageReturn) {
        this.pendingCarriageReturn = false;
        if (c === '\n') continue; // CRLF: the CR already ended the line
      }
      if (this.pendingQuote) {
        this.pendingQuote = false;
        if (c === '"') {
          this.field += '"';
          continue;
        }
        this.inQuotes = false;
        this.afterClosingQuote = true;
      }
      if (this.inQuotes) {
        if (c === '"') {
          this.pendingQuote = true;
        } else {
          // A line break inside quotes belongs to the field but still advances the line count.
          if (c === '\r') this.pendingCarriageReturn = true;
          if (c === '\n' || c === '\r') this.line++;
          this.field += c === '\r' ? '\n' : c;
          this.checkFieldLength();
        }
        continue;
      }
      if (c === this.delimiter) {
        this.endField();
        this.recordHasContent = true;
      } else if (c === '\n' || c === '\r') {
        if (c === '\r') this.pendingCarriageReturn = true;
        const record = this.endRecord();
        if (record) out.push(record);
        this.line++;
        this.recordLine = this.line;
      } else if (this.afterClosingQuote) {
        throw new DatasetError(
          'dataset-invalid',
          `${this.source}: line ${this.line}: unexpected character ${JSON.stringify(c)} after a closing quote; inside a quoted field write a quote as ""`,
          { line: this.line },
        );
      } else if (c === '"') {
        if (this.field.length > 0) {
          throw new DatasetError(
            'dataset-invalid',
            `${this.source}: line ${this.line}: a quote (") in the middle of an unquoted field; quote the whole field and double the inner quote`,
            { line: this.line },
          );
        }
        this.inQuotes = true;
        this.fieldWasQuoted = true;
        this.recordHasContent = true;
      } else {
        this.field += c;
        this.recordHasContent = true;
        this.checkFieldLength();
      }
    }
    return out;
  }

  /** Ends the input; returns the last record when the text did not end with a line break. */
  end(): CsvRecord[] {
    if (this.pendingQuote) {
      this.pendingQuote = false;
      this.inQuotes = false;
      this.afterClosingQuote = true;
    }
    if (this.inQuotes) {
      throw new DatasetError(
        'dataset-invalid',
        `${this.source}: the quoted field starting on line ${this.recordLine} is never closed (missing ")`,
        { line: this.recordLine },
      );
    }
    const record = this.endRecord();
    return record ? [record] : [];
  }

  private checkFieldLength(): void {
    if (this.field.length > this.maxFieldChars) {
      const limit = this.maxFieldChars.toLocaleString('en-US');
      const detail = this.inQuotes
        ? `the quoted field starting on line ${this.recordLine} runs past ${limit} characters; a closing quote (") is probably missing`
        : `line ${this.line}: a field is longer than ${limit} characters`;
      throw new DatasetError('dataset-invalid', `${this.source}: ${detail}`, { line: this.inQuotes ? this.recordLine : this.line });
    }
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.afterClosingQuote = false;
    this.fieldWasQuoted = false;
  }

  private endRecord(): CsvRecord | undefined {
    const blank = !this.recordHasContent && this.field === '' && this.fields.length === 0 && !this.fieldWasQuoted;
    if (blank) {
      this.afterClosingQuote = false;
      return undefined;
    }
    this.endField();
    const record = { fields: this.fields, line: this.recordLine };
    this.fields = [];
    this.recordHasContent = false;
    return record;
  }
}

/** Tokenizes a whole CSV text (convenience for small inputs and tests). */
export function parseCsv(text: string, options: CsvOptions = {}): CsvRecord[] {
  const tokenizer = new CsvTokenizer(options);
  return [...tokenizer.push(text), ...tokenizer.end()];
}

/** Guesses the delimiter from a header line: the most frequent of `,` `;` tab `|` outside quotes. */
export function sniffDelimiter(firstLine: string): string {
  const candidates = [',', ';', '\t', '|'];
  let best = ',';
  let bestCount = 0;
  for (const d of candidates) {
    let count = 0;
    let quoted = false;
    for (const c of firstLine) {
      if (c === '"') quoted = !quoted;
      else if (c === d && !quoted) count++;
    }
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}
