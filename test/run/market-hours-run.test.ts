import { describe, expect, it } from 'vitest';
import { runRebalance, type RunResult } from '../../src/run/rebalance-run.js';
import { planJson, previewPlan } from '../../src/run/preview-plan.js';
import {
  aForecastOf,
  aMarket,
  EARLIER,
  memoryRun,
  MemoryKillSwitch,
  aHalt,
  runInvariantViolations,
  seedEarlierRun,
  WORKING,
  type MemoryRun,
  type MemoryRunOverrides,
} from '../support/memory-ports.js';
import { aContract, anAccountSummary, aPosition, aQuote, ScriptedBroker } from '../support/scripted-broker.js';
import { testSettings } from '../support/run-harness.js';

/** London's week of liquid hours as IB sends them for an LSEETF listing quoted in USD. */
const LONDON =
  '20261124:0800-20261124:1630;20261125:0800-20261125:1630;20261126:0800-20261126:1630;20261127:0800-20261127:1630;' +
  '20261128:CLOSED;20261129:CLOSED;20261130:0800-20261130:1630';
/** Tuesday 24 November 2026, 04:35 New York: London open, New York not yet. */
const EARLY = '2026-11-24T09:35:00Z';

/** aMarket() plus CSPX on LSEETF; an earlier run's BUY of 10 MSFT still working; ORDER_UPDATES=modify. */
function aRun(overrides: MemoryRunOverrides = {}): MemoryRun {
  const market = aMarket();
  const script = {
    ...market.script,
    contracts: {
      ...market.script.contracts,
      CSPX: aContract('CSPX', { primaryExchange: 'LSEETF', timeZone: 'GB-Eire', liquidHours: LONDON, tradingHours: LONDON }),
    },
    quotes: { ...market.script.quotes, CSPX: aQuote('CSPX', 700) },
  };
  const run = memoryRun({
    now: EARLY,
    broker: new ScriptedBroker({ script }),
    forecasts: [aForecastOf({ AAPL: 0.1, MSFT: 0.3, SPY: 0.2, CSPX: 0.2 }, { asOf: '2026-11-24T08:00:00Z' })],
    ...overrides,
    settings: { orderUpdates: 'modify', ...overrides.settings },
  });
  seedEarlierRun(run, EARLIER, { order: WORKING });
  return run;
}

async function go(run: MemoryRun): Promise<RunResult> {
  const result = await runRebalance(run);
  expect(runInvariantViolations(run, result)).toEqual([]);
  return result;
}

const placed = (run: MemoryRun): string[] => run.broker.callsTo('placeOrder').map(([o]) => o.symbol);
const cancelled = (run: MemoryRun): string[] => run.broker.callsTo('cancelOrder').map(([o]) => o.symbol);

describe('a run with listings in two markets', () => {
  it('at 04:35 New York trades London only, and leaves the working order of a closed market as it stands', async () => {
    const run = aRun();
    const result = await go(run);
    expect(result.status).toBe('ok');
    expect(placed(run)).toEqual(['CSPX']);
    expect(cancelled(run)).toEqual([]);
    expect(run.broker.callsTo('modifyOrder')).toEqual([]);
    const out = run.lines.join('\n');
    expect(out).toMatch(
      /left working as it stands: rebal:.*MSFT.*: market closed: NASDAQ, opens 09:30 New York; a run in its session changes or cancels it/,
    );
    const msft = result.plan?.lines.find((l) => l.symbol === 'MSFT');
    expect(msft?.reason).toMatch(/^left for a later run \(market closed: NASDAQ, opens 09:30 New York\): would have BUY/);
  });

  it('the kill switch still cancels every working order, its market open or not', async () => {
    const killSwitch = new MemoryKillSwitch();
    killSwitch.turnOn(aHalt());
    const run = aRun({ killSwitch });
    const result = await go(run);
    expect(result.status).toBe('blocked');
    expect(placed(run)).toEqual([]);
    expect(cancelled(run)).toEqual(['MSFT']);
  });

  it('a market in its no-trade window is not closed: its working order is cancelled, as before, saying why', async () => {
    // 09:35 New York: London open, the NYSE in its first 15 minutes.
    const run = aRun({ now: '2026-11-24T14:35:00Z', settings: { noTradeFirstMinutes: 15 } });
    const result = await go(run);
    expect(placed(run)).toEqual(['CSPX']);
    expect(cancelled(run)).toEqual(['MSFT']);
    expect(run.lines.join('\n')).toMatch(
      /MSFT.*no orders may go for MSFT now \(no orders now: NASDAQ in the first 15 minutes of the session \(no-trade window\)\)/,
    );
    expect(result.plan?.lines.find((l) => l.symbol === 'SPY')?.reason).toMatch(
      /^left for a later run \(no orders now: ARCA in the first 15 minutes/,
    );
  });

  it('when no market takes orders, nothing is sent and the closed market keeps its working order', async () => {
    const run = aRun({
      now: '2026-11-24T22:35:00Z',
      forecasts: [aForecastOf({ AAPL: 0.1, MSFT: 0.3, SPY: 0.2, CSPX: 0.2 }, { asOf: '2026-11-24T21:40:00Z' })],
    });
    const result = await go(run);
    expect(result.status).toBe('skipped');
    expect(placed(run)).toEqual([]);
    expect(cancelled(run)).toEqual([]);
    expect(result.nextOpen).toBe('2026-11-25T08:00:00Z');
  });

  it('`rebalancer plan --json` lists each market and the orders left for a later run, with why', async () => {
    const run = aRun();
    const json = planJson(await previewPlan(run, run.settings, EARLY)) as {
      marketOpen: boolean;
      markets: { market: string; symbols: string[]; ordersAllowed: boolean; reason: string; nextOpen: string | null }[];
      orders: { symbol: string; action: string; reason: string }[];
      orderUpdates: string[];
    };
    expect(json.marketOpen).toBe(true);
    expect(json.markets).toEqual([
      {
        market: 'ARCA',
        symbols: ['SPY'],
        ordersAllowed: false,
        reason: 'market closed: ARCA, opens 09:30 New York',
        nextOpen: '2026-11-24T14:30:00Z',
      },
      { market: 'LSEETF', symbols: ['CSPX'], ordersAllowed: true, reason: 'market open until 16:30 London time', nextOpen: null },
      {
        market: 'NASDAQ',
        symbols: ['AAPL', 'MSFT'],
        ordersAllowed: false,
        reason: 'market closed: NASDAQ, opens 09:30 New York',
        nextOpen: '2026-11-24T14:30:00Z',
      },
    ]);
    expect(json.orders.filter((o) => o.action !== 'NONE').map((o) => o.symbol)).toEqual(['CSPX']);
    expect(json.orders.find((o) => o.symbol === 'SPY')?.reason).toMatch(
      /^left for a later run \(market closed: ARCA, opens 09:30 New York\)/,
    );
    expect(json.orderUpdates).toEqual([expect.stringMatching(/^would leave working as it stands: rebal:.*MSFT.*market closed: NASDAQ/)]);
    // Read-only: nothing cancelled, changed or sent.
    expect(run.broker.callsTo('cancelOrder')).toEqual([]);
    expect(run.broker.callsTo('placeOrder')).toEqual([]);
  });

  it('the breakers judge what can go now: a switch into London whose funding sale waits for New York is over-leveraged, and not sent', async () => {
    // SPY and QQQ held; the forecast moves SPY's part to CSPX. On Thanksgiving the SELL of SPY waits, so the BUY alone
    // would take gross exposure to about 1.17x NLV: LEVERAGE_LIMIT (1.1 here), REDUCING, and the BUY is held back too.
    const script = {
      summary: anAccountSummary({
        netLiquidation: 100_000,
        totalCash: 20_900,
        grossPositionValue: 79_100,
        excessLiquidity: 60_000,
        cushion: 0.6,
      }),
      positions: [aPosition('SPY', 66, { avgCost: 550 }), aPosition('QQQ', 79, { avgCost: 450 })],
      contracts: {
        SPY: aContract('SPY', { primaryExchange: 'ARCA' }),
        QQQ: aContract('QQQ'),
        CSPX: aContract('CSPX', { primaryExchange: 'LSEETF', timeZone: 'GB-Eire', liquidHours: LONDON, tradingHours: LONDON }),
      },
      quotes: { SPY: aQuote('SPY', 600), QQQ: aQuote('QQQ', 500), CSPX: aQuote('CSPX', 700) },
    };
    const base = testSettings();
    const run = memoryRun({
      now: '2026-11-26T15:35:00Z',
      broker: new ScriptedBroker({ script }),
      forecasts: [aForecastOf({ SPY: 0, QQQ: 0.39, CSPX: 0.39 }, { asOf: '2026-11-26T14:00:00Z' })],
      settings: { limits: { ...base.limits, maxLeverage: 1.1 } },
    });
    const result = await go(run);
    expect(placed(run)).toEqual([]);
    expect(result.plan?.tradingState).toBe('REDUCING');
    expect(result.breaches.map((b) => b.code)).toEqual(['LEVERAGE_LIMIT']);
    const reason = (symbol: string): string | undefined => result.plan?.lines.find((l) => l.symbol === symbol)?.reason;
    expect(reason('SPY')).toMatch(
      /^left for a later run \(market closed: ARCA, opens Fri 09:30 New York \(Thanksgiving Day\)\): would have SELL 66/,
    );
    expect(reason('CSPX')).toMatch(/^blocked \(REDUCING: LEVERAGE_LIMIT\): would have BUY \d+/);
  });
});
