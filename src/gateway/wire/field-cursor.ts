/**
 * Sequential reading of one client message, the way TWS reads it: field after field, each one's meaning
 * depending on what came before, and at the end an assertion that every field was consumed. A message with
 * too few or too many fields means client and gateway disagree about the wire format, so nothing in it can be
 * trusted: a DecodeError, never a guess.
 */

/** The message did not have the shape its id promises. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

const INT = /^-?\d+$/;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

export class FieldCursor {
  private index: number;

  /** `what` names the message in errors; reading starts after the message id, or at `start`. */
  constructor(
    private readonly fields: readonly string[],
    private readonly what: string,
    start = 1,
  ) {
    this.index = start;
  }

  /** The next field as text ("" when empty). */
  str(name: string): string {
    const value = this.fields[this.index];
    if (value === undefined) {
      throw new DecodeError(
        `${this.what}: the message ends at field ${this.index}, where ${name} was expected (${this.fields.length} fields)`,
      );
    }
    this.index += 1;
    return value;
  }

  /** The next field as a whole number; undefined when empty. */
  int(name: string): number | undefined {
    const value = this.str(name);
    if (value === '') return undefined;
    if (!INT.test(value)) throw this.bad(name, value, 'a whole number');
    return Number(value);
  }

  /** The next field as a whole number that must be there (an id). */
  id(name: string): number {
    const value = this.int(name);
    if (value === undefined) throw this.bad(name, '', 'a whole number');
    return value;
  }

  /** The next field as a count of repeated groups: a whole number >= 0 (empty counts as 0, as TWS reads it). */
  count(name: string): number {
    const value = this.int(name) ?? 0;
    if (value < 0) throw this.bad(name, String(value), 'a count >= 0');
    return value;
  }

  /** The next field as a number; undefined when empty (the client's "unset"). */
  num(name: string): number | undefined {
    const value = this.str(name);
    if (value === '') return undefined;
    if (!NUMBER.test(value)) throw this.bad(name, value, 'a number');
    return Number(value);
  }

  /** The next field as a flag: "1" or "0"; undefined when empty (an unset boolean). */
  bool(name: string): boolean | undefined {
    const value = this.str(name);
    if (value === '') return undefined;
    if (value !== '0' && value !== '1') throw this.bad(name, value, '0 or 1');
    return value === '1';
  }

  /** Reads fields the gateway does not use, by name, so the sequence stays documented and checked. */
  skip(...names: string[]): void {
    for (const name of names) this.str(name);
  }

  /** Asserts that every field was read: anything left over means the formats differ. */
  end(): void {
    const left = this.fields.length - this.index;
    if (left > 0) {
      const rest = this.fields
        .slice(this.index, this.index + 5)
        .map((f) => JSON.stringify(f))
        .join(', ');
      throw new DecodeError(
        `${this.what}: ${left} field(s) left unread after field ${this.index - 1} (next: ${rest}${left > 5 ? ', ...' : ''})`,
      );
    }
  }

  private bad(name: string, value: string, expected: string): DecodeError {
    return new DecodeError(`${this.what}: field ${this.index - 1} (${name}) is ${JSON.stringify(value)}, expected ${expected}`);
  }
}
