import type { ContractInfo } from './types.js';
import { NYSE_RULES, zoneCity, zoneOf, type SessionRules } from './session.js';
import {
  compareWithCalendar,
  ianaZoneOf,
  parseLiquidHours,
  sessionRulesFromHoursOnly,
  sessionRulesFromLiquidHours,
  type CalendarDisagreement,
} from './liquid-hours.js';
import { phaseOf, type MarketPhase } from './phase.js';
import { DateTime } from 'luxon';
import { parseInstant } from './session.js';

/** The session rules a run trades by, where they came from, and what a person should know about them. */
export interface SessionRulesChoice {
  rules: SessionRules;
  /** 'liquid-hours' when a contract's hours from the broker decide; 'nyse' when our calendar does. */
  source: 'liquid-hours' | 'nyse';
  /** The contract whose hours were read, when one was. */
  symbol?: string;
  /** Disagreements with our calendar, or why the hours could not be used: one readable line each. */
  warnings: string[];
  /** The same, as data for the log. */
  disagreements: CalendarDisagreement[];
  unreadable?: string;
}

/**
 * IB's codes of the US venues a stock's primary listing can be on: their contracts follow the NYSE calendar
 * when the broker gives no hours. Any other code is a market abroad, whose hours come only from the broker.
 */
const US_EXCHANGES: ReadonlySet<string> = new Set([
  'NYSE',
  'NASDAQ',
  'ARCA',
  'NYSEARCA',
  'AMEX',
  'NYSEAMEX',
  'NYSENAT',
  'BATS',
  'BYX',
  'EDGX',
  'EDGEA',
  'IEX',
  'ISLAND',
  'MEMX',
  'LTSE',
  'CHX',
  'PSX',
  'CBOE',
  'PINK',
  'OTC',
]);

/**
 * True when the contract is listed in the US: a US primary exchange, or (no exchange named) quoted in USD with
 * no hours saying otherwise.
 */
export function isUsListing(contract: ContractInfo): boolean {
  const exchange = contract.primaryExchange.trim().toUpperCase();
  return exchange === '' ? contract.currency === 'USD' && !hoursAbroad(contract) : US_EXCHANGES.has(exchange);
}

/** True when the contract's hours are given in a zone outside the Americas (London, Tokyo): not a US listing's. */
function hoursAbroad(contract: ContractInfo): boolean {
  const id = contract.timeZone?.trim() ?? '';
  if (id === '') return false;
  try {
    return !ianaZoneOf(id).startsWith('America/');
  } catch {
    // A zone nobody knows says nothing about where the listing is: hours in it cannot be read either way.
    return false;
  }
}

function hasHours(c: ContractInfo): boolean {
  return c.liquidHours !== undefined && c.liquidHours.trim() !== '' && c.timeZone !== undefined && c.timeZone.trim() !== '';
}

/**
 * The session rules of a run as a whole (how old a forecast may be, the daily emails, the next scheduled run):
 * the liquid hours of the first US contract (by symbol) that has them, else our NYSE calendar. With IB, the
 * contracts' liquid hours are the source of truth for the days they cover (holidays IB knows and our calendar
 * does not, an unscheduled closure); our NYSE calendar fills in the rest. A disagreement between the two is
 * reported, since one of them is wrong. Hours that cannot be read leave our calendar in charge. Listings abroad
 * never decide these rules: each trades in its own market's hours ({@link contractMarketOf}). Pure.
 */
export function sessionRulesOf(contracts: Record<string, ContractInfo>): SessionRulesChoice {
  const withHours = Object.values(contracts)
    .filter((c) => hasHours(c) && isUsListing(c))
    .sort((a, b) => a.symbol.localeCompare(b.symbol));
  const first = withHours[0];
  if (first === undefined) return { rules: NYSE_RULES, source: 'nyse', warnings: [], disagreements: [] };
  const us = usRulesOf(first);
  return {
    rules: us.rules,
    source: us.source,
    symbol: first.symbol,
    warnings: us.warnings,
    disagreements: us.disagreements,
    ...(us.unreadable === undefined ? {} : { unreadable: us.unreadable }),
  };
}

function usRulesOf(c: ContractInfo): Omit<SessionRulesChoice, 'symbol'> {
  try {
    const parsed = parseLiquidHours(c.liquidHours ?? '', c.timeZone ?? '');
    const disagreements = compareWithCalendar(parsed, NYSE_RULES);
    return {
      rules: sessionRulesFromLiquidHours(parsed, NYSE_RULES),
      source: 'liquid-hours',
      warnings: disagreements.map(
        (d) => `IB's liquid hours for ${c.symbol} disagree with our calendar on ${d.date}: ${d.detail}; IB's hours are used`,
      ),
      disagreements,
    };
  } catch (error) {
    // Hours we cannot read are not a reason to trust them: our calendar decides, and the warning says why.
    const reason = error instanceof Error ? error.message : String(error);
    return {
      rules: NYSE_RULES,
      source: 'nyse',
      warnings: [`could not read IB's liquid hours for ${c.symbol} (${reason}); using our calendar`],
      disagreements: [],
      unreadable: reason,
    };
  }
}

/** The market a contract trades in, and the rules of its sessions. */
export interface ContractMarket {
  /** The market's name in messages: the contract's primary exchange (LSEETF, SEHK), or NYSE when none is named. */
  name: string;
  /** Its sessions; absent when the contract is not traded because its hours are unknown. */
  rules?: SessionRules;
  /** Why the contract is not traded, when it is not (a listing abroad without hours we can read). */
  notTraded?: string;
  /** 'liquid-hours' when the broker's hours decide; 'nyse' when our calendar does (US listings without hours). */
  source: 'liquid-hours' | 'nyse' | 'none';
  /** What a person should know: disagreements with our calendar, hours that could not be read. */
  warnings: string[];
}

/**
 * The market of one contract and its session rules, decided per contract:
 * - the broker's liquid hours in the contract's time zone (IB's legacy ids such as GB-Eire, MET, Japan, Hongkong,
 *   Singapore, US/Eastern, EST5EDT are mapped to IANA zones), for the dates they list;
 * - for a US listing, our NYSE calendar for the dates the hours do not list, or for every date when the broker
 *   gives no hours (the sim broker) or hours we cannot read;
 * - a listing abroad without hours we can read is not traded: its holidays are never guessed.
 * Pure.
 */
export function contractMarketOf(c: ContractInfo): ContractMarket {
  const name = c.primaryExchange.trim() === '' ? 'NYSE' : c.primaryExchange.trim();
  if (isUsListing(c)) {
    if (!hasHours(c)) return { name, rules: NYSE_RULES, source: 'nyse', warnings: [] };
    const us = usRulesOf(c);
    return { name, rules: us.rules, source: us.source, warnings: us.warnings };
  }
  if (!hasHours(c)) {
    const notTraded = `not traded: the broker gives no trading hours for ${c.symbol} on ${name} (the hours of a market outside the US are never guessed)`;
    return { name, source: 'none', notTraded, warnings: [notTraded] };
  }
  try {
    const parsed = parseLiquidHours(c.liquidHours ?? '', c.timeZone ?? '');
    return { name, rules: sessionRulesFromHoursOnly(parsed), source: 'liquid-hours', warnings: [] };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const notTraded = `not traded: could not read IB's liquid hours for ${c.symbol} on ${name} (${reason}); the hours of a market outside the US are never guessed`;
    return { name, source: 'none', notTraded, warnings: [notTraded] };
  }
}

/** The markets of a run's contracts, one per ticker. */
export function contractMarketsOf(contracts: Record<string, ContractInfo>): Record<string, ContractMarket> {
  // Listings with the same hours share one reading of them (500 US tickers: one parse, one set of rules).
  const byHours = new Map<string, ContractMarket>();
  return Object.fromEntries(
    Object.entries(contracts).map(([symbol, c]) => {
      const key = JSON.stringify([isUsListing(c), c.primaryExchange, c.timeZone ?? null, c.liquidHours ?? null]);
      const known = byHours.get(key);
      // A listing not traded says so by its own symbol; the rules of others are shared as they are.
      if (known !== undefined && known.notTraded === undefined) return [symbol, known];
      const market = contractMarketOf(c);
      byHours.set(key, market);
      return [symbol, market];
    }),
  );
}

/** Where one ticker's market is at an instant, and whether an order for it may go. */
export interface TickerSession {
  symbol: string;
  market: string;
  /** The market's phase; absent when the ticker is not traded (no hours). */
  phase?: MarketPhase;
  /** True while the market holds its session (a no-trade window included); false when closed or unknown. */
  inSession: boolean;
  ordersAllowed: boolean;
  /** One line for the plan: why no order may go now, with when the market opens next; undefined when one may. */
  held?: string;
  /** The zone of the market's clock, for messages. */
  zone?: string;
}

/**
 * Where each ticker's market is at `now`, under the same no-trade windows at the edges of each session (and of
 * each part of a session with a midday break) that a run uses for the NYSE. Pure.
 */
export function tickerSessionsAt(
  now: string,
  markets: Record<string, ContractMarket>,
  windows: { noTradeFirstMinutes?: number; noTradeLastMinutes?: number },
): Record<string, TickerSession> {
  const out: Record<string, TickerSession> = {};
  // One phase per set of rules and one sentence per market: tickers of one market share them.
  const phases = new Map<SessionRules, MarketPhase>();
  const helds = new Map<string, string | undefined>();
  for (const [symbol, m] of Object.entries(markets)) {
    if (m.rules === undefined) {
      out[symbol] = {
        symbol,
        market: m.name,
        inSession: false,
        ordersAllowed: false,
        held: m.notTraded ?? `not traded: ${m.name} has no hours`,
      };
      continue;
    }
    const phase = phases.get(m.rules) ?? phaseOf(now, { ...windows, rules: m.rules });
    phases.set(m.rules, phase);
    const zone = zoneOf(m.rules);
    const inSession = phase.phase === 'in-session';
    const heldKey = `${m.name}|${phase.reason}|${phase.nextOpen ?? ''}|${zone}`;
    const held = helds.has(heldKey)
      ? helds.get(heldKey)
      : phase.ordersAllowed
        ? undefined
        : inSession
          ? `no orders now: ${m.name} ${phase.reason}`
          : `market closed: ${m.name}${opensText(phase.nextOpen, zone, now)}${closedNote(phase)}`;
    helds.set(heldKey, held);
    out[symbol] = {
      symbol,
      market: m.name,
      phase,
      inSession,
      ordersAllowed: phase.ordersAllowed,
      zone,
      ...(held === undefined ? {} : { held }),
    };
  }
  return out;
}

/** Why the market is closed, after "opens ...": the holiday, the close of the day, the midday break; nothing before the open. */
function closedNote(phase: MarketPhase): string {
  if (phase.phase === 'non-trading-day') return ` (${phase.reason.replace(/^market closed: /, '')})`;
  if (phase.phase === 'after-close') return ` (${phase.reason.replace(/^market /, '')})`;
  return phase.reason.startsWith('market in its midday break') ? ' (midday break)' : '';
}

/** ", opens Mon 08:00 London" (the weekday when not today), or ", opens at a time its hours do not say yet". */
export function opensText(nextOpen: string | undefined, zone: string, now: string): string {
  if (nextOpen === undefined) return ', next open not within the hours the broker gave';
  const at = parseInstant(nextOpen).setZone(zone).setLocale('en-US');
  const today = parseInstant(now).setZone(zone).hasSame(at, 'day');
  const when = today ? at.toFormat('HH:mm') : at.toFormat(weekdayFormat(at, parseInstant(now).setZone(zone)));
  return `, opens ${when} ${zoneCity(zone)}`;
}

/** "ccc HH:mm" within the coming week; with the date beyond it, so no weekday is ambiguous. */
function weekdayFormat(at: DateTime, now: DateTime): string {
  return at.diff(now.startOf('day'), 'days').days < 6 ? 'ccc HH:mm' : 'ccc d LLL HH:mm';
}
