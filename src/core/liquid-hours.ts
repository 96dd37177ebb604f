import { DateTime, IANAZone } from 'luxon';
import { parseDate } from './calendar-nyse.js';
import {
  dayRuleOn,
  exchangeClock,
  isoDate,
  parseInstant,
  sessionOn,
  toIsoUtc,
  type DayRule,
  type Session,
  type SessionRules,
} from './session.js';

/**
 * IB contract details' `liquidHours` / `tradingHours` (API v193+ format), turned into sessions, checked against
 * our calendar, and usable as the calendar itself for the dates IB covers (with BROKER=ib, IB knows about
 * closures we have not added by hand yet).
 */

/** One exchange date and its sessions in time order; no sessions means closed all day. */
export interface ExchangeDay {
  /** The date IB lists the sessions under (yyyy-MM-dd, the exchange's own date). */
  date: string;
  sessions: Session[];
}

export interface LiquidHours {
  /** The IANA zone the times were read in. */
  zone: string;
  days: ExchangeDay[];
}

/** A date on which IB's hours and our calendar differ, for the caller to log. */
export interface CalendarDisagreement {
  date: string;
  /** Our session that day; undefined when our calendar says closed. */
  ours?: Session;
  /** IB's session (first open to last close); undefined when IB says closed. */
  ib?: Session;
  detail: string;
}

/**
 * IB's zone ids that are not the IANA zone they mean. IB has sent "EST" for New York contracts: the IANA "EST"
 * is a fixed UTC-5, an hour off all summer, so the abbreviations must map to the city zones.
 */
const IB_ZONES: Readonly<Record<string, string>> = {
  'US/Eastern': 'America/New_York',
  EST5EDT: 'America/New_York',
  EST: 'America/New_York',
  EDT: 'America/New_York',
  'US/Central': 'America/Chicago',
  CST6CDT: 'America/Chicago',
  CST: 'America/Chicago',
  CDT: 'America/Chicago',
  'US/Mountain': 'America/Denver',
  MST7MDT: 'America/Denver',
  'US/Pacific': 'America/Los_Angeles',
  PST8PDT: 'America/Los_Angeles',
  PST: 'America/Los_Angeles',
  'GB-Eire': 'Europe/London',
  GB: 'Europe/London',
  // XETRA/IBIS contracts carry MET (a valid IANA zone too, with the same offsets as Berlin since 1980).
  MET: 'Europe/Berlin',
  CET: 'Europe/Berlin',
  Japan: 'Asia/Tokyo',
  JST: 'Asia/Tokyo',
  Hongkong: 'Asia/Hong_Kong',
  HKT: 'Asia/Hong_Kong',
  Singapore: 'Asia/Singapore',
  SGT: 'Asia/Singapore',
  IST: 'Asia/Kolkata',
  'Australia/NSW': 'Australia/Sydney',
};

/** The IANA zone for an IB `timeZoneId`; throws a RangeError for one neither mapped nor known to IANA. */
export function ianaZoneOf(ibZoneId: string): string {
  const id = ibZoneId.trim();
  const zone = IB_ZONES[id] ?? id;
  if (!IANAZone.isValidZone(zone)) throw new RangeError(`unknown IB time zone: "${ibZoneId}"`);
  return zone;
}

const ENTRY = /^(\d{8}):(.*)$/;
const RANGE = /^(?:(\d{8}):)?(\d{4})-(?:(\d{8}):)?(\d{4})$/;

/**
 * Parses `20261123:0930-20261123:1600;20261124:CLOSED;...`: entries split by `;`, several ranges of one entry
 * by `,`, overnight ranges carrying their own end date. The older form `20261123:0930-1600,1700-2000` (dates
 * left out) is read too. Throws a RangeError naming the piece it cannot read.
 */
export function parseLiquidHours(text: string, ibZoneId: string): LiquidHours {
  const zone = ianaZoneOf(ibZoneId);
  const byDate = new Map<string, Session[]>();
  for (const entry of text
    .split(';')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const m = ENTRY.exec(entry);
    if (m === null) throw new RangeError(`not a liquid-hours entry: "${entry}"`);
    const [, ymd = '', rest = ''] = m;
    const date = isoDate(toDay(ymd));
    const sessions = byDate.get(date) ?? [];
    byDate.set(date, sessions);
    if (rest.trim().toUpperCase() === 'CLOSED') continue;
    for (const range of rest.split(',').map((r) => r.trim())) sessions.push(parseRange(range, ymd, zone));
  }
  const days = [...byDate.entries()]
    .map(([date, sessions]) => ({ date, sessions: mergeSessions(sessions) }))
    .sort((a, b) => a.date.localeCompare(b.date));
  return { zone, days };
}

/** The dates where IB's hours and `ourCalendar` (the NYSE calendar by default) disagree. */
export function compareWithCalendar(parsed: LiquidHours, ourCalendar: SessionRules): CalendarDisagreement[] {
  const found: CalendarDisagreement[] = [];
  for (const day of parsed.days) {
    const ours = sessionOn(day.date, ourCalendar);
    const ib = envelope(day.sessions);
    if (ours?.open === ib?.open && ours?.close === ib?.close) continue;
    const detail = `${day.date}: IB says ${describeSession(ib)}, our calendar says ${describeSession(ours)}`;
    found.push({ date: day.date, ...(ours ? { ours } : {}), ...(ib ? { ib } : {}), detail });
  }
  return found;
}

/**
 * Session rules that take IB's hours as the truth for the dates they list and `fallback` (the NYSE calendar by
 * default) for every other date. Where both agree the fallback's rule is kept, so reasons such as "Thanksgiving
 * Day" survive; where they differ IB wins. A day with a break uses its first open and its last close.
 */
export function sessionRulesFromLiquidHours(parsed: LiquidHours, fallback: SessionRules): SessionRules {
  const ibDays = new Map(parsed.days.map((d) => [d.date, envelope(d.sessions)] as const));
  return {
    dayRule: memoized((date) => {
      const ours = dayRuleOn(date, fallback);
      if (!ibDays.has(date)) return ours;
      const ib = ibDays.get(date);
      const oursSession = sessionOn(date, fallback);
      if (ib === undefined) return oursSession === undefined ? ours : { kind: 'closed', reason: 'closed according to IB liquid hours' };
      if (oursSession?.open === ib.open && oursSession.close === ib.close) return ours;
      return { kind: 'session', session: ib, reason: 'hours from IB liquid hours' };
    }),
  };
}

/** A day rule that computes each date once: the rules are immutable, and a run asks for the same dates per ticker and per order. */
function memoized(rule: (date: string) => DayRule): (date: string) => DayRule {
  const known = new Map<string, DayRule>();
  return (date) => {
    const hit = known.get(date);
    if (hit !== undefined) return hit;
    const computed = rule(date);
    known.set(date, computed);
    return computed;
  };
}

/**
 * Session rules from IB's hours alone, for a listing outside the US: the exchange's own dates and zone, each
 * listed day's sessions (two parts around a midday break), and every date IB does not list closed. No calendar of
 * ours fills in: the holidays of a market abroad are never guessed.
 */
export function sessionRulesFromHoursOnly(parsed: LiquidHours): SessionRules {
  const ibDays = new Map(parsed.days.map((d) => [d.date, d.sessions] as const));
  return {
    zone: parsed.zone,
    dayRule: memoized((date) => {
      const sessions = ibDays.get(date);
      if (sessions === undefined) return { kind: 'closed', reason: 'no hours from IB for this date' };
      const session = envelope(sessions);
      if (session === undefined) return { kind: 'closed', reason: 'closed according to IB liquid hours' };
      return sessions.length > 1 ? { kind: 'session', session, ranges: sessions.map((r) => ({ ...r })) } : { kind: 'session', session };
    }),
  };
}

function parseRange(range: string, entryDate: string, zone: string): Session {
  const m = RANGE.exec(range);
  if (m === null) throw new RangeError(`not a liquid-hours range: "${range}"`);
  const [, fromDate = entryDate, fromTime = '', toDate, toTime = ''] = m;
  const open = toInstant(fromDate, fromTime, zone);
  let close = toInstant(toDate ?? fromDate, toTime, zone);
  // The older form leaves the end date out; an end at or before the start then means the next day.
  if (toDate === undefined && close <= open) close = close.plus({ days: 1 });
  if (close <= open) throw new RangeError(`liquid-hours range ends before it starts: "${range}"`);
  return { open: toIsoUtc(open), close: toIsoUtc(close) };
}

function toDay(ymd: string): DateTime {
  return parseDate(`${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`);
}

function toInstant(ymd: string, hhmm: string, zone: string): DateTime {
  const day = toDay(ymd);
  const [hour, minute] = [Number(hhmm.slice(0, 2)), Number(hhmm.slice(2, 4))];
  if (hour > 24 || minute > 59 || (hour === 24 && minute > 0)) throw new RangeError(`not a time of day: "${hhmm}"`);
  // Built from wall-clock parts in the exchange's zone, so that day's offset (EST or EDT) applies; adding
  // hours to midnight would be off by one on the days the clocks change. 2400 is the next day's midnight.
  const local = DateTime.fromObject({ year: day.year, month: day.month, day: day.day }, { zone });
  return hour === 24 ? local.plus({ days: 1 }) : local.set({ hour, minute });
}

/** Sorts and joins touching or overlapping ranges (IB sometimes splits one session at midnight). */
function mergeSessions(sessions: Session[]): Session[] {
  const sorted = [...sessions].sort((a, b) => a.open.localeCompare(b.open));
  const merged: Session[] = [];
  for (const s of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && parseInstant(s.open) <= parseInstant(last.close)) {
      if (parseInstant(s.close) > parseInstant(last.close)) last.close = s.close;
    } else merged.push({ ...s });
  }
  return merged;
}

function envelope(sessions: readonly Session[]): Session | undefined {
  const first = sessions[0];
  const last = sessions.at(-1);
  return first === undefined || last === undefined ? undefined : { open: first.open, close: last.close };
}

function describeSession(session: Session | undefined): string {
  return session === undefined ? 'closed' : `${exchangeClock(session.open)}-${exchangeClock(session.close)} New York`;
}
