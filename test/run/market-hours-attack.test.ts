import { describe, expect, it } from 'vitest';
import { runRebalance, type RunResult } from '../../src/run/rebalance-run.js';
import { aForecastOf, aMarket, memoryRun, runInvariantViolations, seedEarlierRun, type MemoryRun } from '../support/memory-ports.js';
import { aContract, aQuote, ScriptedBroker } from '../support/scripted-broker.js';
import { testSettings } from '../support/run-harness.js';

/** Hong Kong's hours as IB sends them for an SEHK listing: a lunch break from 12:00 to 13:00. */
const HONG_KONG =
  '20261124:0930-20261124:1200,20261124:1300-20261124:1600;20261125:0930-20261125:1200,20261125:1300-20261125:1600;' +
  '20261126:0930-20261126:1200,20261126:1300-20261126:1600';
/** Tuesday 24 November 2026, 12:05 Hong Kong (lunch), 23:05 New York the evening before: no market open. */
const LUNCH = '2026-11-24T04:05:00Z';
/** 11:05 Hong Kong: the morning run that placed the working order. */
const MORNING = '2026-11-24T03:05:00Z';

/** Tokyo's hours for a TSEJ listing: its afternoon session is open during Hong Kong's lunch. */
const TOKYO = '20261124:0900-20261124:1130,20261124:1230-20261124:1530;20261125:0900-20261125:1130,20261125:1230-20261125:1530';

function aRun(
  weights: Record<string, number>,
  order: { action: 'BUY' | 'SELL'; quantity: number },
  position = 0,
  tokyo = false,
  maxLeverage = 2,
): MemoryRun {
  const market = aMarket();
  const script = {
    ...market.script,
    positions: [
      ...(market.script.positions ?? []),
      ...(position === 0 ? [] : [{ account: 'DU1234567', symbol: 'HK5', quantity: position, avgCost: 60 }]),
    ],
    contracts: {
      ...market.script.contracts,
      HK5: aContract('HK5', {
        primaryExchange: 'SEHK',
        currency: 'USD',
        timeZone: 'Hongkong',
        liquidHours: HONG_KONG,
        tradingHours: HONG_KONG,
      }),
      ...(tokyo
        ? {
            JP1: aContract('JP1', { primaryExchange: 'TSEJ', currency: 'USD', timeZone: 'Japan', liquidHours: TOKYO, tradingHours: TOKYO }),
          }
        : {}),
    },
    quotes: { ...market.script.quotes, HK5: aQuote('HK5', 60), JP1: aQuote('JP1', 30) },
  };
  const run = memoryRun({
    now: LUNCH,
    broker: new ScriptedBroker({ script }),
    forecasts: [aForecastOf(weights, { asOf: '2026-11-24T01:00:00Z' })],
    settings: { orderUpdates: 'modify', limits: { ...testSettings().limits, maxLeverage } },
  });
  seedEarlierRun(run, MORNING, {
    order: {
      brokerOrderId: 51,
      permId: 5100,
      symbol: 'HK5',
      ...order,
      limitPrice: 60.05,
      status: 'Submitted',
      filledQuantity: 0,
      avgFillPrice: 0,
    },
  });
  return run;
}

async function go(run: MemoryRun): Promise<RunResult> {
  const result = await runRebalance(run);
  expect(runInvariantViolations(run, result)).toEqual([]);
  return result;
}
const cancelled = (run: MemoryRun): string[] => run.broker.callsTo('cancelOrder').map(([o]) => o.symbol);

describe('a working order over Hong Kong lunch', () => {
  it('is cancelled when the forecast no longer wants the ticker at all (it would fill at 13:00 for nothing)', async () => {
    const run = aRun({ AAPL: 0.1, MSFT: 0.3, SPY: 0.2, HK5: 0 }, { action: 'BUY', quantity: 100 });
    await go(run);
    expect(cancelled(run)).toEqual(['HK5']);
  });

  it('is cancelled when the plan now wants the other side', async () => {
    const run = aRun({ AAPL: 0.1, MSFT: 0.3, SPY: 0.2, HK5: 0 }, { action: 'BUY', quantity: 100 }, 200);
    await go(run);
    expect(cancelled(run)).toEqual(['HK5']);
  });

  it('is cancelled when it is larger than what the plan now wants', async () => {
    // 1% of about 100k at 60: about 16 shares wanted, 100 working.
    const run = aRun({ AAPL: 0.1, MSFT: 0.3, SPY: 0.2, HK5: 0.01 }, { action: 'BUY', quantity: 100 });
    await go(run);
    expect(cancelled(run)).toEqual(['HK5']);
  });

  it('is left as it stands when the plan still wants at least as much on the same side', async () => {
    const run = aRun({ AAPL: 0.1, MSFT: 0.3, SPY: 0.2, HK5: 0.2 }, { action: 'BUY', quantity: 100 });
    await go(run);
    expect(cancelled(run)).toEqual([]);
    expect(run.lines.join('\n')).toMatch(/left working as it stands: .*HK5.*market closed: SEHK, opens 13:00 Hong Kong/);
  });

  it('is cancelled when the plan is REDUCING (another market open): a BUY would add exposure after lunch', async () => {
    // JP1 at 45% of NLV is over MAX_POSITION_PCT (40): POSITION_LIMIT, REDUCING; Tokyo's afternoon is open.
    const run = aRun({ AAPL: 0.1, HK5: 0.2, JP1: 0.45 }, { action: 'BUY', quantity: 100 }, 0, true);
    const result = await go(run);
    expect(result.plan?.tradingState).toBe('REDUCING');
    expect(cancelled(run)).toEqual(['HK5']);
  });

  it('is left as it stands with another market open when the plan is ACTIVE and still wants it', async () => {
    const run = aRun({ AAPL: 0.1, HK5: 0.2, JP1: 0.3 }, { action: 'BUY', quantity: 100 }, 0, true);
    const result = await go(run);
    expect(result.plan?.tradingState).toBe('ACTIVE');
    expect(cancelled(run)).toEqual([]);
    expect(run.broker.callsTo('placeOrder').map(([o]) => o.symbol)).toEqual(['JP1']);
  });

  it('counts in the leverage the breakers judge: left working, it would take the account past MAX_LEVERAGE after lunch', async () => {
    // AAPL 19k of 100k NLV; Tokyo open: BUY about 38k of JP1 (0.57 judged alone); the working BUY of 600 HK5 (36k)
    // fills at 13:00 Hong Kong: 0.93 > 0.9. Judged with it, the plan is REDUCING: JP1's BUY is held, HK5's cancelled.
    const run = aRun({ AAPL: 0.19, HK5: 0.39, JP1: 0.39 }, { action: 'BUY', quantity: 600 }, 0, true, 0.9);
    const result = await go(run);
    expect(result.plan?.breaches.map((b) => b.code)).toContain('LEVERAGE_LIMIT');
    expect(run.broker.callsTo('placeOrder')).toEqual([]);
    expect(cancelled(run)).toEqual(['HK5']);
  });

  it('within MAX_LEVERAGE with it, the working order is left and the open market trades', async () => {
    const run = aRun({ AAPL: 0.19, HK5: 0.39, JP1: 0.39 }, { action: 'BUY', quantity: 600 }, 0, true, 1);
    const result = await go(run);
    expect(result.plan?.tradingState).toBe('ACTIVE');
    expect(cancelled(run)).toEqual([]);
    expect(run.broker.callsTo('placeOrder').map(([o]) => o.symbol)).toEqual(['JP1']);
  });

  it('counts in the position the breakers judge: left working, it would take HK5 past MAX_POSITION_PCT after lunch', async () => {
    // 200 HK5 held (12k) and a working BUY of 600 (36k): 48% of NLV once filled, over MAX_POSITION_PCT (40).
    const run = aRun({ AAPL: 0.19, HK5: 0.5, JP1: 0.2 }, { action: 'BUY', quantity: 600 }, 200, true);
    const result = await go(run);
    expect(result.plan?.breaches.filter((b) => b.code === 'POSITION_LIMIT').map((b) => b.symbol)).toEqual(['HK5']);
    expect(cancelled(run)).toEqual(['HK5']);
  });
});
