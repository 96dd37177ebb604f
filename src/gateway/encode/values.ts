/**
 * How values are spelt on the wire, as the client's Decoder reads them: numbers in plain decimal, flags as
 * 1/0, "no value" as an empty field, and IB's "not applicable" double as Java's Double.MAX_VALUE.
 */

/** Java's Double.MAX_VALUE as TWS prints it: the client reads it as "undefined" (e.g. no realised P&L). */
export const UNSET_DOUBLE = '1.7976931348623157E308';

/** A number as text; undefined as an empty field. Throws on NaN and infinities, which no field may carry. */
export function num(value: number | undefined): string {
  if (value === undefined) return '';
  if (!Number.isFinite(value)) throw new RangeError(`invariant: a non-finite number to send: ${value}`);
  return String(value);
}

/** A flag as the client's readBool expects it. */
export function flag(value: boolean): string {
  return value ? '1' : '0';
}

/** A money amount with cents, as TWS reports account values ("100000.00"). */
export function money(value: number): string {
  return value.toFixed(2);
}
