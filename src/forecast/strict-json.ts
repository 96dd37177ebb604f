/**
 * A strict JSON reader for forecast files. `JSON.parse` keeps the last of two equal keys, so a file that names
 * a ticker twice would be silently "resolved"; this reader reports every duplicate instead, with positions.
 * It follows RFC 8259 exactly, but recognises the bare `NaN`, `Infinity` and `-Infinity` that Python's
 * `json.dump` writes, so that the message can name the field instead of only a column.
 * Pure: no I/O.
 */
import { formatPath, type JsonPath } from './json-path.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A problem found at one place in an otherwise readable document. */
export interface JsonProblem {
  path: JsonPath;
  problem: string;
}

export type StrictJsonResult =
  /** `problems` non-empty means the document must be refused even though it could be read. */
  { ok: true; value: JsonValue; problems: JsonProblem[]; rawNumbers: Map<string, string> } | { ok: false; problem: string };

// Forecasts are three levels deep; the limit keeps a hostile file from exhausting the stack.
const MAX_DEPTH = 64;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
// The numbers are not JSON but what Python writes for float('nan') and float('inf'): refused, by field.
const LITERALS: ReadonlyArray<readonly [string, boolean | null | number]> = [
  ['true', true],
  ['false', false],
  ['null', null],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
];

/** Internal control flow for a syntax error; never leaves this module. */
class SyntaxProblem {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/**
 * Reads `text` as one JSON document. A leading UTF-8 byte order mark is skipped (editors on Windows add one).
 * Never throws. On success, `rawNumbers` maps the formatted path of every non-finite number (`1e400`, `NaN`)
 * to its text as written, for messages.
 */
export function parseStrictJson(text: string): StrictJsonResult {
  const reader = new Reader(text);
  try {
    return reader.document();
  } catch (error) {
    if (!(error instanceof SyntaxProblem)) throw error; // a bug in this reader: crash loudly
    const where = reader.position(error.offset);
    return error.offset >= text.length
      ? { ok: false, problem: `truncated or not valid JSON: unexpected end of file at ${where}` }
      : { ok: false, problem: `not valid JSON: ${error.message} at ${where}` };
  }
}

class Reader {
  private pos = 0;
  private lineStarts: number[] | undefined;
  private readonly problems: JsonProblem[] = [];
  private readonly rawNumbers = new Map<string, string>();

  constructor(private readonly text: string) {}

  document(): StrictJsonResult {
    if (this.text.startsWith('\uFEFF')) this.pos = 1;
    this.skipSpace();
    if (this.pos >= this.text.length) return { ok: false, problem: 'empty file' };
    const value = this.value([], 0);
    this.skipSpace();
    if (this.pos < this.text.length) {
      // Typically two documents in one file: a writer that appended instead of replacing.
      throw new SyntaxProblem('more content after the end of the JSON value', this.pos);
    }
    return { ok: true, value, problems: this.problems, rawNumbers: this.rawNumbers };
  }

  /** "line L, column C", both from 1, columns in UTF-16 code units as editors count them. */
  position(offset: number): string {
    this.lineStarts ??= [0, ...[...this.text.matchAll(/\r\n|\r|\n/g)].map((m) => m.index + m[0].length)];
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if ((this.lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return `line ${low + 1}, column ${offset - (this.lineStarts[low] ?? 0) + 1}`;
  }

  private value(path: JsonPath, depth: number): JsonValue {
    if (depth > MAX_DEPTH) throw new SyntaxProblem(`nested more than ${MAX_DEPTH} levels deep`, this.pos);
    const ch = this.text[this.pos];
    if (ch === '{') return this.object(path, depth);
    if (ch === '[') return this.array(path, depth);
    if (ch === '"') return this.string();
    for (const [word, literal] of LITERALS) {
      if (!this.text.startsWith(word, this.pos)) continue;
      this.pos += word.length;
      if (typeof literal === 'number') {
        this.rawNumbers.set(formatPath(path), word);
        this.problems.push({ path, problem: `not a finite number (got ${word})` });
      }
      return literal;
    }
    const rest = this.text.slice(this.pos, this.pos + 9);
    if (rest !== '' && LITERALS.some(([word]) => word.startsWith(rest))) throw new SyntaxProblem('cut short', this.text.length);
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) throw this.unexpected('a value');
    this.pos += match[0].length;
    const number = Number(match[0]);
    if (!Number.isFinite(number)) this.rawNumbers.set(formatPath(path), match[0]);
    return number;
  }

  private object(path: JsonPath, depth: number): JsonObject {
    this.pos += 1;
    const result: JsonObject = {};
    const seen = new Map<string, number>();
    this.skipSpace();
    if (this.text[this.pos] === '}') return ((this.pos += 1), result);
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') throw this.unexpected('a key in double quotes');
      const keyOffset = this.pos;
      const key = this.string();
      const keyPath = [...path, key];
      const first = seen.get(key);
      if (first !== undefined) {
        const problem = `duplicate key (at ${this.position(first)} and again at ${this.position(keyOffset)})`;
        this.problems.push({ path: keyPath, problem });
      } else seen.set(key, keyOffset);
      this.skipSpace();
      if (this.text[this.pos] !== ':') throw this.unexpected("':'");
      this.pos += 1;
      this.skipSpace();
      // defineProperty, not assignment: a "__proto__" key must stay a plain field, as JSON.parse makes it.
      const value = this.value(keyPath, depth + 1);
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      const next = this.text[this.pos];
      this.pos += 1;
      if (next === '}') return result;
      if (next !== ',') throw this.unexpected("',' or '}'", this.pos - 1);
    }
  }

  private array(path: JsonPath, depth: number): JsonValue[] {
    this.pos += 1;
    const result: JsonValue[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') return ((this.pos += 1), result);
    for (;;) {
      this.skipSpace();
      result.push(this.value([...path, result.length], depth + 1));
      this.skipSpace();
      const next = this.text[this.pos];
      this.pos += 1;
      if (next === ']') return result;
      if (next !== ',') throw this.unexpected("',' or ']'", this.pos - 1);
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos += 1;
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (Number.isNaN(code)) throw new SyntaxProblem('unterminated string', this.pos);
      if (code === 0x22) break;
      if (code < 0x20) throw new SyntaxProblem('control character in a string (it must be escaped)', this.pos);
      if (code === 0x5c) {
        const escape = this.text[this.pos + 1] ?? '';
        const length = escape === 'u' ? 6 : 2;
        if (this.pos + length > this.text.length) throw new SyntaxProblem('cut short', this.text.length);
        const hex = this.text.slice(this.pos + 2, this.pos + 6);
        const valid = escape === 'u' ? /^[0-9a-fA-F]{4}$/.test(hex) : '"\\/bfnrt'.includes(escape);
        if (!valid) throw new SyntaxProblem('invalid escape in a string', this.pos);
        this.pos += length;
      } else this.pos += 1;
    }
    this.pos += 1;
    // The slice is a well-formed JSON string by now; JSON.parse decodes its escapes exactly.
    return JSON.parse(this.text.slice(start, this.pos)) as string;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos] ?? '')) this.pos += 1;
  }

  private unexpected(expected: string, offset = this.pos): SyntaxProblem {
    const found = this.text.codePointAt(offset);
    const shown = found === undefined ? 'end of file' : JSON.stringify(String.fromCodePoint(found));
    return new SyntaxProblem(`expected ${expected} but found ${shown}`, offset);
  }
}
