/**
 * IB message codes sorted into named sets, and what each set means for a run. Pure: no socket, no clock.
 *
 * TWS sends errors, warnings and notices through one `error` callback. The adapter never decides by message
 * text; it decides by the set a code belongs to and by the id the message carries (see ib-ids.ts).
 */
import type { BrokerErrorKind } from '../../ports/broker.js';

/** Notices that change nothing: farms connected, account data unsubscribed. Logged only. */
export const INFO_CODES: ReadonlySet<number> = new Set([2100, 2104, 2106, 2158, 2119]);

/**
 * Notices with a consequence the run must know; the text says what it is. Not failures: the request or the
 * session goes on, but the data may be slower, delayed or incomplete.
 */
export const INFO_WITH_CONSEQUENCE: ReadonlyMap<number, string> = new Map([
  [2103, 'a market data farm is disconnected: quotes may time out'],
  [2105, 'a historical data farm is disconnected'],
  [2107, 'a historical data farm is idle and reconnects on demand: the first request may be slower'],
  [2108, 'a market data farm is idle and reconnects on demand: the first quote may be slower'],
  [2157, 'the security definition farm is disconnected: contract details may time out'],
  [10167, 'no live market data subscription: the quote is delayed 15-20 minutes'],
  [10090, 'part of the requested market data is not subscribed: some prices may be missing'],
  // Also IB's odd-lot warning on an FX order below the IDEALPRO minimum (docs/research/multi-currency.md 2.2).
  [
    399,
    'order message: the order stands (held until the session opens, or a currency conversion below the IDEALPRO minimum routed as an odd lot, filled 1-2 bp worse)',
  ],
  [2109, 'order warning: the outside-regular-hours attribute is ignored'],
  [2137, 'order warning: the order crosses an order of the same account'],
]);

/**
 * The connection between this client, TWS/IB Gateway and IB is broken or was broken during the session.
 * Any of them fails the session closed: requests made now would be queued and replayed by the library later.
 */
export const CONNECTIVITY_CODES: ReadonlySet<number> = new Set([1100, 1101, 1102, 1300, 2110, 502, 504]);

/**
 * IB refused an order or a modification of one (or the order died before it was acknowledged). The code goes
 * into BrokerError.code. 2102 ("Unable to modify this order as it is still being processed") sits in IB's
 * warning range but refuses the modification it answers: the order stands as it was
 * (https://interactivebrokers.github.io/tws-api/message_codes.html).
 */
export const ORDER_REJECTION_CODES: ReadonlySet<number> = new Set([
  103, 104, 105, 106, 107, 109, 110, 111, 116, 117, 133, 135, 200, 201, 202, 203, 321, 383, 387, 388, 434, 451, 2102, 10147, 10148, 10149,
  10006, 10052,
]);

/** A cancel request that IB refused: the order is not (or no longer) cancellable by this client. */
export const CANCEL_REFUSED_CODES: ReadonlySet<number> = new Set([10147, 10148, 10149, 135, 161]);

/** A data request that failed for that request only: unknown contract, no permission, too many lines. */
export const REQUEST_FAILURE_CODES: ReadonlySet<number> = new Set([101, 102, 162, 200, 300, 320, 321, 322, 354, 10089, 10168, 10197]);

/** Codes after which nothing this session says can be trusted: pacing violation, decoding or version errors. */
export const SESSION_FATAL_CODES: ReadonlySet<number> = new Set([100, 503, 505, 506, 507, 508, 509]);

/** Error 202: "Order Canceled - reason:", which confirms a cancel (and ends an order that was never acknowledged). */
export const ORDER_CANCELLED_CODE = 202;

/** Error 326: another session already uses this client id. */
export const CLIENT_ID_IN_USE_CODE = 326;

export type IbCodeClass =
  'info' | 'info-with-consequence' | 'connectivity' | 'session-fatal' | 'order-rejected' | 'request-failed' | 'other';

/** The set a code belongs to. Order and request sets overlap (200, 321): the id decides which one applies. */
export function classifyIbCode(code: number): IbCodeClass {
  if (CONNECTIVITY_CODES.has(code)) return 'connectivity';
  if (SESSION_FATAL_CODES.has(code)) return 'session-fatal';
  if (INFO_CODES.has(code)) return 'info';
  if (INFO_WITH_CONSEQUENCE.has(code)) return 'info-with-consequence';
  // Before the warning range: 2102 is in it, yet refuses a modification.
  if (ORDER_REJECTION_CODES.has(code)) return 'order-rejected';
  // IB's own convention: 2100-2999 are warnings, never failures of a request.
  if (code >= 2100 && code <= 2999) return 'info';
  if (REQUEST_FAILURE_CODES.has(code)) return 'request-failed';
  return 'other';
}

/** True for codes that never fail the request they are routed to. */
export function isNotice(code: number): boolean {
  const cls = classifyIbCode(code);
  return cls === 'info' || cls === 'info-with-consequence';
}

/** The BrokerError kind a code gives to the operation it is routed to. */
export function brokerErrorKindOf(code: number, operation: 'order' | 'request'): BrokerErrorKind {
  const cls = classifyIbCode(code);
  if (cls === 'connectivity') return 'connectivity';
  if (cls === 'session-fatal') return 'fatal';
  if (operation === 'order') return 'rejected';
  return 'fatal';
}

const MEANINGS: ReadonlyMap<number, string> = new Map([
  [100, 'more than 50 messages per second were sent: IB may drop requests and close the connection'],
  [103, 'duplicate order id (or a modification of an order that is already cancelled or finished)'],
  [104, 'the order is already filled: a filled order cannot be modified'],
  [105, 'the modification does not match the original order (only quantity and price may change)'],
  [110, 'the limit price does not conform to the minimum price increment of the contract'],
  [200, 'IB does not know this contract'],
  [201, 'order rejected by IB'],
  [202, 'order cancelled'],
  [135, 'IB has no order with this id for this client'],
  [101, 'more market data lines are in use than the account has'],
  [321, 'request refused'],
  [326, 'another session already uses this client id'],
  [354, 'no market data subscription for this symbol'],
  [451, "the order exceeds one of IB's precautionary settings (value, size or percentage)"],
  [505, 'the client could not decode a message from TWS/IB Gateway: the library and the gateway disagree on the protocol'],
  [1100, 'connectivity between IB and TWS/IB Gateway was lost'],
  [1101, 'connectivity between IB and TWS/IB Gateway was restored, data lost'],
  [1102, 'connectivity between IB and TWS/IB Gateway was restored after a loss'],
  [1300, 'TWS/IB Gateway reset its socket port'],
  [2102, 'the order is still being processed: the modification was refused and the order stands as it was'],
  [2110, 'connectivity between TWS and IB servers is broken'],
  [502, 'could not reach TWS/IB Gateway (socket error)'],
  [504, 'not connected'],
  [10147, 'the order to cancel was not found'],
  [10148, 'the order cannot be cancelled in its current state'],
  [10089, 'the market data needs an additional subscription for the API'],
  [10168, 'no market data subscription for this symbol, and no delayed data either'],
  [10197, 'no market data: another session of this login holds the live data'],
]);

/** A dot in a ticker: IB writes share classes with a space (`BRK B`), so `BRK.B` is unknown to it. */
const SHARE_CLASS_DOT = /^([A-Z][A-Z0-9]*)\.([A-Z0-9]+)$/;

/**
 * What to do about a code, when something can be done: the one table of fixes, keyed by IB code. `symbol` is the
 * ticker the message is about, when there is one (error 200 on `BRK.B` names IB's spelling, `BRK B`).
 */
const FIXES: ReadonlyMap<number, (symbol: string | undefined) => string> = new Map([
  [
    200,
    (symbol: string | undefined) => {
      const dotted = symbol === undefined ? null : SHARE_CLASS_DOT.exec(symbol);
      if (dotted) return `IB writes share classes with a space: write "${dotted[1]} ${dotted[2]}" in the forecast`;
      return 'write the ticker as IB spells it (a space for share classes: BRK B), and check its "contracts" hints (primaryExchange, currency) in the forecast';
    },
  ],
  [101, () => 'set MARKET_DATA_LINES to at most the market data lines of the account'],
  [321, () => 'if the API is in Read-Only mode, untick "Read-Only API" in TWS/IB Gateway API settings'],
  [326, () => 'set another IB_CLIENT_ID, or close the program that uses this one'],
  [354, () => 'subscribe to its market data in IB Account Management, or set MARKET_DATA_TYPE=delayed (free, 15-20 minutes late)'],
  [
    451,
    () => "raise IB's precautionary settings (Global Configuration > Presets > Stocks) above MAX_ORDER_VALUE, or lower MAX_ORDER_VALUE",
  ],
  [10089, () => 'subscribe to its market data for the API in IB Account Management, or set MARKET_DATA_TYPE=delayed'],
  [10168, () => 'subscribe to its market data in IB Account Management (delayed data is not offered for it)'],
  [10197, () => 'log out of the other session (TWS, the mobile app or the web portal on the same login), or set MARKET_DATA_TYPE=delayed'],
]);

/** The fix for a code (about `symbol`, when given), or undefined when none is known. */
export function fixOf(code: number, symbol?: string): string | undefined {
  return FIXES.get(code)?.(symbol);
}

/**
 * An IB message for a person: what it means, IB's own code and text, then what to do when that is known, e.g.
 * `IB does not know this contract (IB 200: No security definition has been found for the request); IB writes
 * share classes with a space: write "BRK B" in the forecast`.
 */
export function explainIbMessage(code: number, text: string, symbol?: string): string {
  const fix = fixOf(code, symbol);
  return `${meaningAlone(code)} (IB ${code}: ${text})${fix === undefined ? '' : `; ${fix}`}`;
}

/**
 * A short explanation of a code for messages and alerts, falling back to its set, with the fix when one is known
 * that does not depend on the ticker.
 */
export function meaningOf(code: number): string {
  const fix = fixOf(code);
  return fix === undefined ? meaningAlone(code) : `${meaningAlone(code)}; ${fix}`;
}

function meaningAlone(code: number): string {
  const known = MEANINGS.get(code) ?? INFO_WITH_CONSEQUENCE.get(code);
  if (known !== undefined) return known;
  const cls = classifyIbCode(code);
  return cls === 'other' ? `IB code ${code}` : `IB code ${code} (${cls})`;
}
