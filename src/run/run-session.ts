import { phaseOf, type MarketPhase } from '../core/phase.js';
import { parseInstant, tradingDayOf } from '../core/session.js';
import { tickerSessionsAt, type ContractMarket, type TickerSession } from '../core/session-rules.js';
import type { World } from './gather.js';

/** One market of the run's tickers at the run's instant, for the console, the plan's JSON and the emails. */
export interface MarketNow {
  /** The market's name: the primary exchange (LSEETF), or NYSE. */
  market: string;
  symbols: string[];
  ordersAllowed: boolean;
  /** Its phase in one sentence, or why its tickers are not traded. */
  reason: string;
  nextOpen?: string;
}

/** Where the run's markets are at its instant, and what follows for its tickers. */
export interface RunSession {
  /** The run's phase: orders go when some market of its tickers takes them (see {@link runSessionOf}). */
  phase: MarketPhase;
  /** Tickers whose orders wait for a later run, with the plan's reason (set only when another market takes orders, or no hours are known). */
  holds: Record<string, string>;
  /** Tickers whose market is closed now by its hours, with why: their working orders are left as they stand. */
  closed: Record<string, string>;
  /** The markets of the run's tickers, by name. */
  markets: MarketNow[];
  tickers: Record<string, TickerSession>;
  /** True when the tickers' markets are not all in the same phase (a listing abroad, one without hours): the console and the plan list them. */
  several: boolean;
  /** Each ticker's market and its rules: each order is checked against its own before it goes. */
  rulesOf: Record<string, ContractMarket>;
}

/**
 * Each ticker in its own market's hours. The markets that count are those of the tickers the run trades (managed,
 * or in a fresh forecast; every contract when there are none), with the no-trade windows the run uses at the edges
 * of each session:
 * - one market (every US listing follows the same hours): its phase is the run's, exactly as before;
 * - several, some taking orders: the run trades their tickers and leaves the others for a later run, each plan line
 *   saying why ("market closed: LSEETF, opens Mon 08:00 London");
 * - several, none taking orders: the run does what it does outside trading hours (a snapshot, no orders), and says
 *   when the first of them opens;
 * - no contract at all: the run's own rules (our calendar) decide, as before.
 * A listing abroad with no hours we can read is never traded, whatever the others do.
 * Working orders on a ticker whose market is closed are left as they stand; the run judges them in its session.
 */
export function runSessionOf(
  now: string,
  world: Pick<World, 'contracts' | 'markets' | 'managedSymbols' | 'forecasts' | 'session'>,
  windows: { noTradeFirstMinutes?: number; noTradeLastMinutes?: number },
): RunSession {
  const tickers = tickerSessionsAt(now, world.markets, windows);
  const traded = new Set([...world.managedSymbols, ...world.forecasts.flatMap((f) => Object.keys(f.weights))]);
  const counted = Object.values(tickers).filter((t) => traded.has(t.symbol));
  const relevant = counted.length > 0 ? counted : Object.values(tickers);
  const closed: Record<string, string> = {};
  // Closed by its own hours; a listing whose hours are unknown is not known to be closed: its working order is cancelled.
  for (const t of Object.values(tickers)) if (t.phase !== undefined && !t.inSession && t.held !== undefined) closed[t.symbol] = t.held;
  const markets = marketsNow(relevant);
  const withHours = relevant.filter((t) => t.phase !== undefined);
  const noHours = Object.values(tickers).filter((t) => t.phase === undefined);
  const alwaysHeld = Object.fromEntries(noHours.map((t) => [t.symbol, t.held ?? `not traded: ${t.market} has no hours`]));
  const single = singleMarket(withHours);
  if (withHours.length === 0 || single !== undefined) {
    const phase = single ?? phaseOf(now, { ...windows, rules: world.session.rules });
    return { phase, holds: alwaysHeld, closed, markets, tickers, rulesOf: world.markets, several: noHours.length > 0 };
  }
  const open = markets.filter((m) => m.ordersAllowed);
  const waiting = markets.filter((m) => !m.ordersAllowed);
  const list = (ms: MarketNow[]): string => ms.map((m) => (m.ordersAllowed ? `${m.market} (${m.reason})` : m.reason)).join('; ');
  const tradingDay = tradingDayOf(now, world.session.rules);
  if (open.length === 0) {
    const nextOpen = earliest(waiting.map((m) => m.nextOpen));
    const reason = `no market of the run's tickers takes orders now: ${list(waiting)}`;
    const anyInSession = withHours.some((t) => t.inSession);
    return {
      phase: {
        phase: anyInSession ? 'in-session' : 'non-trading-day',
        tradingDay,
        ordersAllowed: false,
        reason,
        ...(nextOpen === undefined ? {} : { nextOpen }),
      },
      holds: alwaysHeld,
      closed,
      markets,
      tickers,
      rulesOf: world.markets,
      several: true,
    };
  }
  const holds: Record<string, string> = { ...alwaysHeld };
  for (const t of Object.values(tickers)) if (!t.ordersAllowed) holds[t.symbol] = t.held ?? `no orders now: ${t.market}`;
  const reason = `orders go for ${list(open)}${waiting.length === 0 ? '' : `; left for a later run: ${list(waiting)}`}`;
  return {
    phase: { phase: 'in-session', tradingDay, ordersAllowed: true, reason },
    holds,
    closed,
    markets,
    tickers,
    rulesOf: world.markets,
    several: true,
  };
}

/** The phase the tickers share when their markets are all in the same phase (every US listing), else undefined. */
function singleMarket(tickers: readonly TickerSession[]): MarketPhase | undefined {
  const phases = tickers.map((t) => t.phase);
  const first = phases[0];
  if (first === undefined) return undefined;
  const same = (p: MarketPhase | undefined): boolean =>
    p !== undefined && p.ordersAllowed === first.ordersAllowed && p.reason === first.reason && p.nextOpen === first.nextOpen;
  return phases.every(same) ? first : undefined;
}

function marketsNow(tickers: readonly TickerSession[]): MarketNow[] {
  const byName = new Map<string, MarketNow>();
  for (const t of [...tickers].sort((a, b) => a.symbol.localeCompare(b.symbol))) {
    const key = `${t.market}|${t.phase?.reason ?? t.held ?? ''}`;
    const known = byName.get(key);
    if (known !== undefined) {
      known.symbols.push(t.symbol);
      continue;
    }
    const reason = t.phase === undefined ? (t.held ?? 'no hours') : t.ordersAllowed ? t.phase.reason : (t.held ?? t.phase.reason);
    byName.set(key, {
      market: t.market,
      symbols: [t.symbol],
      ordersAllowed: t.ordersAllowed,
      reason,
      ...(t.phase?.nextOpen === undefined || t.ordersAllowed ? {} : { nextOpen: t.phase.nextOpen }),
    });
  }
  return [...byName.values()].sort((a, b) => a.market.localeCompare(b.market));
}

function earliest(instants: readonly (string | undefined)[]): string | undefined {
  const known = instants.filter((i): i is string => i !== undefined);
  if (known.length === 0) return undefined;
  return known.reduce((a, b) => (parseInstant(a).toMillis() <= parseInstant(b).toMillis() ? a : b));
}

/** The markets of the run's tickers, one line each, for the console and `rebalancer plan`. */
export function formatMarkets(markets: readonly MarketNow[]): string[] {
  return markets.map((m) => `${m.market} (${m.symbols.join(', ')}): ${m.ordersAllowed ? `orders go: ${m.reason}` : m.reason}`);
}
