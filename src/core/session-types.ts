/** What a calendar says about a day and its session: plain types shared by the calendar and the session clock. */

/** One session, as ISO 8601 UTC instants: open inclusive, close exclusive. */
export interface Session {
  open: string;
  close: string;
}

/** What a calendar says about one New York date, before it becomes instants. */
export type DayRule =
  /** No session at all; `reason` names the weekend day or the holiday. */
  | { kind: 'closed'; reason: string }
  /** A session from 09:30 to `close` ("HH:mm" New York, default 16:00); `reason` says why it is short. */
  | { kind: 'open'; close?: string; reason?: string }
  /** A session given outright as instants, e.g. by the broker's liquid hours. */
  | { kind: 'session'; session: Session; reason?: string };
