import { DateTime } from 'luxon';
import { z } from 'zod';
import { ianaZoneOf, parseLiquidHours, sessionRulesFromHoursOnly } from '../core/liquid-hours.js';
import { isoDate, NYSE_RULES, parseInstant, sessionRangesOn, toIsoUtc, type SessionRules } from '../core/session.js';
import type { Session } from '../core/session-types.js';

/**
 * The hours of the simulators' listings outside the NYSE calendar: a market abroad (LSE, LSEETF, IBIS, SGX, SEHK,
 * TSEJ) or hours a scenario gives a listing. The weekly sessions of a market abroad come from a small table, or the
 * scenario; its holidays and early closes only from the scenario (they are never invented). Contract details carry
 * them as IB does: `timeZoneId` as IB names the zone, and a week of `liquidHours` from the simulated clock's date.
 */

/** A listing's hours in the simulators. */
export interface SimHours {
  /** The zone id as IB sends it (a legacy id such as GB-Eire, or an IANA name). */
  timeZone: string;
  /** The rules of its sessions; absent when the scenario's verbatim text cannot be read (the listing never opens). */
  rules?: SessionRules;
  /** The scenario's liquid hours, sent exactly as written (an empty text included). */
  verbatim?: string;
}

/** A market's weekly sessions in its own zone: one range, or two around a midday break. */
interface ExchangeWeek {
  timeZone: string;
  sessions: string[];
}

/**
 * IB's codes of markets abroad with their usual regular sessions (local time) and the zone id IB has sent for
 * them. No holidays: those come from a scenario's `hours.closed`.
 */
export const EXCHANGE_WEEKS: Readonly<Record<string, ExchangeWeek>> = {
  LSE: { timeZone: 'GB-Eire', sessions: ['08:00-16:30'] },
  LSEETF: { timeZone: 'GB-Eire', sessions: ['08:00-16:30'] },
  IBIS: { timeZone: 'MET', sessions: ['09:00-17:30'] },
  SGX: { timeZone: 'Singapore', sessions: ['09:00-12:00', '13:00-17:00'] },
  SEHK: { timeZone: 'Hongkong', sessions: ['09:30-12:00', '13:00-16:00'] },
  TSEJ: { timeZone: 'Japan', sessions: ['09:00-11:30', '12:30-15:30'] },
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;
const RANGE = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;

/** A scenario contract's hours fields (added to its `contracts.<TICKER>` object). */
export const contractHoursFields = {
  /** IB's time zone id for the listing, as IB sends it: `GB-Eire`, `MET`, `Japan`, `Hongkong`, `Singapore`, `US/Eastern`, or an IANA name. */
  timeZone: z
    .string()
    .min(1, { error: 'expected a time zone id' })
    .refine((id) => isZone(id), {
      error: 'expected a time zone id IB sends (GB-Eire, MET, Japan, Hongkong, Singapore, US/Eastern) or an IANA name',
    })
    .optional(),
  /** IB's liquid hours, verbatim (`20261126:0800-20261126:1630;20261127:CLOSED`), sent as written, even empty. */
  liquidHours: z.string().optional(),
  /** The listing's sessions by rule: weekly ranges, and the scenario's own holidays and early closes. */
  hours: z
    .strictObject({
      sessions: z
        .array(z.string().regex(RANGE, { error: 'expected HH:mm-HH:mm' }))
        .min(1, { error: 'expected one or two ranges' })
        .max(2, { error: 'expected one or two ranges' })
        .optional(),
      closed: z.array(z.string().regex(DATE, { error: 'expected a date yyyy-MM-dd' })).default([]),
      earlyCloses: z
        .record(z.string().regex(DATE, { error: 'expected a date yyyy-MM-dd' }), z.string().regex(CLOCK, { error: 'expected HH:mm' }))
        .default({}),
    })
    .optional(),
};

/** What {@link simHoursOf} reads of a scenario contract. */
export interface ContractHoursSpec {
  primaryExchange?: string;
  timeZone?: string;
  liquidHours?: string;
  hours?: { sessions?: string[]; closed: string[]; earlyCloses: Record<string, string> };
}

/**
 * A scenario listing's hours: its verbatim liquid hours; else its `hours` (weekly sessions from the table when
 * it names none); else the table's for a market abroad. Undefined for a US listing without hours (the NYSE
 * calendar decides, as before) and for a market abroad the table does not know (no hours: not traded).
 */
export function simHoursOf(spec: ContractHoursSpec): SimHours | undefined {
  const week = EXCHANGE_WEEKS[(spec.primaryExchange ?? '').toUpperCase()];
  const timeZone = spec.timeZone ?? week?.timeZone ?? 'US/Eastern';
  if (spec.liquidHours !== undefined) {
    try {
      const parsed = parseLiquidHours(spec.liquidHours, timeZone);
      return { timeZone, verbatim: spec.liquidHours, ...(parsed.days.length === 0 ? {} : { rules: sessionRulesFromHoursOnly(parsed) }) };
    } catch {
      return { timeZone, verbatim: spec.liquidHours };
    }
  }
  const sessions = spec.hours?.sessions ?? week?.sessions;
  if (sessions === undefined) return undefined;
  return { timeZone, rules: weeklyRules(ianaZoneOf(timeZone), sessions, spec.hours?.closed ?? [], spec.hours?.earlyCloses ?? {}) };
}

/** The session rules of a listing in the simulators: its own hours, the NYSE calendar without; undefined: never open. */
export function simRulesOf(hours: SimHours | undefined): SessionRules | undefined {
  return hours === undefined ? NYSE_RULES : hours.rules;
}

/** A week of liquid hours from the date of `now` in the listing's zone, as IB sends them (`;`-separated days, `,` between a day's ranges). */
export function liquidHoursText(hours: SimHours, now: string): string {
  if (hours.verbatim !== undefined) return hours.verbatim;
  const rules = hours.rules;
  if (rules === undefined) return '';
  const zone = ianaZoneOf(hours.timeZone);
  const first = parseInstant(now).setZone(zone).startOf('day');
  const days: string[] = [];
  for (let i = 0; i < 7; i++) {
    const day = first.plus({ days: i });
    const ranges = sessionRangesOn(isoDate(day), rules);
    const ymd = day.toFormat('yyyyMMdd');
    days.push(ranges.length === 0 ? `${ymd}:CLOSED` : ranges.map((r) => `${stamp(r.open, zone)}-${stamp(r.close, zone)}`).join(','));
  }
  return days.join(';');
}

function stamp(iso: string, zone: string): string {
  return parseInstant(iso).setZone(zone).toFormat("yyyyMMdd':'HHmm");
}

function weeklyRules(
  zone: string,
  sessions: readonly string[],
  closed: readonly string[],
  earlyCloses: Readonly<Record<string, string>>,
): SessionRules {
  const holidays = new Set(closed);
  return {
    zone,
    dayRule: (date) => {
      const day = DateTime.fromISO(date, { zone });
      if (day.weekday > 5) return { kind: 'closed', reason: 'weekend' };
      if (holidays.has(date)) return { kind: 'closed', reason: 'holiday (scenario)' };
      const early = earlyCloses[date];
      const ranges: Session[] = [];
      for (const range of sessions) {
        const [from = '', to = ''] = range.split('-');
        const open = at(day, from);
        let close = at(day, to);
        if (early !== undefined && at(day, early) < close) close = at(day, early);
        if (close > open) ranges.push({ open: toIsoUtc(open), close: toIsoUtc(close) });
      }
      const firstRange = ranges[0];
      const lastRange = ranges.at(-1);
      if (firstRange === undefined || lastRange === undefined) return { kind: 'closed', reason: 'no session' };
      const session = { open: firstRange.open, close: lastRange.close };
      const reason = early === undefined ? {} : { reason: 'early close' };
      return ranges.length > 1 ? { kind: 'session', session, ranges, ...reason } : { kind: 'session', session, ...reason };
    },
  };
}

function at(day: DateTime, hhmm: string): DateTime {
  const [hour = 0, minute = 0] = hhmm.split(':').map(Number);
  return day.set({ hour, minute, second: 0, millisecond: 0 });
}

function isZone(id: string): boolean {
  try {
    ianaZoneOf(id);
    return true;
  } catch {
    return false;
  }
}
