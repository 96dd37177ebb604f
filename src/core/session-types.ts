/** What a calendar says about a day and its session: plain types shared by the calendar and the session clock. */

/** One session, as ISO 8601 UTC instants: open inclusive, close exclusive. */
export interface Session {
  open: string;
  close: string;
}

/** What a calendar says about one date of its exchange (New York unless the rules name another zone), before it becomes instants. */
export type DayRule =
  /** No session at all; `reason` names the weekend day or the holiday. */
  | { kind: 'closed'; reason: string }
  /** A session from 09:30 to `close` ("HH:mm" New York, default 16:00); `reason` says why it is short. */
  | { kind: 'open'; close?: string; reason?: string }
  /**
   * A session given outright as instants, e.g. by the broker's liquid hours. `ranges`: the parts of a day with a
   * break (Hong Kong's and Tokyo's lunch), in time order, from `session.open` to `session.close`; absent, one range.
   */
  | { kind: 'session'; session: Session; ranges?: Session[]; reason?: string };
