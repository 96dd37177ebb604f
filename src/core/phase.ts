import {
  dayRuleOn,
  exchangeClock,
  nextSessionOpen,
  parseInstant,
  sessionOn,
  sessionRangesOn,
  toIsoUtc,
  tradingDayOf,
  zoneCity,
  zoneOf,
  type Session,
  type SessionRules,
} from './session.js';

/**
 * Where an instant falls in the exchange's day, and whether an hourly run may send orders then. Cron starts
 * the program at fixed machine times in any zone; this is the one place that turns such a moment into the
 * exchange's answer, so the run, the emails and the messages agree.
 */

export type Phase = 'before-open' | 'in-session' | 'after-close' | 'non-trading-day';

export interface PhaseOptions {
  /** No orders in the first N minutes after the open (opening auction noise). Default 0. */
  noTradeFirstMinutes?: number;
  /** No orders in the last N minutes before the close (orders must have time to work). Default 0. */
  noTradeLastMinutes?: number;
  /**
   * The calendar, computed once per run by whoever gathered the broker's data: the broker's liquid hours, or
   * the NYSE rules when the broker gives none. Required: no default calendar downstream of the gathering.
   */
  rules: SessionRules;
}

export interface MarketPhase {
  phase: Phase;
  /** The exchange's date of the instant (New York unless the rules name another zone): its trading day, or the closed day it falls on. */
  tradingDay: string;
  /** That date's session; absent on a non-trading day. */
  session?: Session;
  /** True only inside the session and outside the no-trade windows. */
  ordersAllowed: boolean;
  /** One human sentence saying why, for logs and emails. */
  reason: string;
  /**
   * The first session open strictly after the instant (ISO UTC). Absent only when the rules know no session ahead
   * (a listing whose hours from the broker end before its next session: its holidays are never guessed).
   */
  nextOpen?: string;
}

/** The start-, mid- and end-of-day email moments of a session (ISO UTC). */
export interface DayMarks {
  open: string;
  /** Halfway between open and close, early closes included (11:15 New York on a 13:00 close). */
  midpoint: string;
  close: string;
}

/** The phase of the exchange's day at `now` (ISO 8601), under the NYSE calendar unless `rules` say otherwise. */
export function phaseOf(now: string, options: PhaseOptions): MarketPhase {
  const first = minutesOption(options.noTradeFirstMinutes, 'noTradeFirstMinutes');
  const last = minutesOption(options.noTradeLastMinutes, 'noTradeLastMinutes');
  const { rules } = options;
  const zone = zoneOf(rules);
  const clock = (iso: string): string => `${exchangeClock(iso, zone)} ${zoneCity(zone)} time`;
  const tradingDay = tradingDayOf(now, rules);
  const nextOpen = nextOpenOrNone(now, rules);
  const rule = dayRuleOn(tradingDay, rules);
  const session = sessionOn(tradingDay, rules);
  if (rule.kind === 'closed' || session === undefined) {
    const why = rule.kind === 'closed' ? rule.reason : 'no session';
    return { phase: 'non-trading-day', tradingDay, ordersAllowed: false, reason: `market closed: ${why}`, ...opens(nextOpen) };
  }
  const note = rule.reason === undefined ? '' : ` (${rule.reason})`;
  const t = parseInstant(now).toMillis();
  const open = parseInstant(session.open).toMillis();
  const close = parseInstant(session.close).toMillis();
  const base = { tradingDay, session, ...opens(nextOpen) };
  if (t < open) {
    const reason = `market not open yet: the session opens at ${clock(session.open)}${note}`;
    return { ...base, phase: 'before-open', ordersAllowed: false, reason };
  }
  if (t >= close) {
    const reason = `market closed for the day at ${clock(session.close)}${note}`;
    return { ...base, phase: 'after-close', ordersAllowed: false, reason };
  }
  // A day with a midday break: the break is closed, and each part has its own edges.
  const ranges = sessionRangesOn(tradingDay, rules);
  const part = ranges.find((r) => parseInstant(r.open).toMillis() <= t && t < parseInstant(r.close).toMillis());
  if (part === undefined) {
    const reason = `market in its midday break: it opens again at ${nextOpen === undefined ? 'a time the hours do not say' : clock(nextOpen)}${note}`;
    return { ...base, phase: 'before-open', ordersAllowed: false, reason };
  }
  const partOpen = parseInstant(part.open).toMillis();
  const partClose = parseInstant(part.close).toMillis();
  const partName = ranges.length > 1 ? 'part of the session' : 'session';
  // The windows are half-open like the session: [open, open + first) and [close - last, close).
  if (t < partOpen + first * 60_000) {
    const reason = `in the first ${plural(first)} of the ${partName} (no-trade window)`;
    return { ...base, phase: 'in-session', ordersAllowed: false, reason };
  }
  if (t >= partClose - last * 60_000) {
    const reason = `in the last ${plural(last)} of the ${partName} (no-trade window)`;
    return { ...base, phase: 'in-session', ordersAllowed: false, reason };
  }
  const until = part.close === session.close ? '' : ` (a midday break from ${clock(part.close)})`;
  const reason = `market open until ${clock(session.close)}${until}${note}`;
  return { ...base, phase: 'in-session', ordersAllowed: true, reason };
}

/** The open, the midpoint and the close of a session: when the start-, mid- and end-of-day emails are due. */
export function dayMarks(session: Session): DayMarks {
  const open = parseInstant(session.open);
  const close = parseInstant(session.close);
  if (close <= open) throw new RangeError(`session closes before it opens: ${session.open} - ${session.close}`);
  const midpoint = open.plus({ milliseconds: close.diff(open).toMillis() / 2 });
  return { open: toIsoUtc(open), midpoint: toIsoUtc(midpoint), close: toIsoUtc(close) };
}

/** The next open, or undefined when the rules know none within their search bound. */
function nextOpenOrNone(now: string, rules: SessionRules): string | undefined {
  try {
    return nextSessionOpen(now, rules);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

function opens(nextOpen: string | undefined): { nextOpen?: string } {
  return nextOpen === undefined ? {} : { nextOpen };
}

function minutesOption(value: number | undefined, name: string): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number of minutes >= 0, got ${value}`);
  return value;
}

function plural(minutes: number): string {
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
