/**
 * FX_POLICY=convert's submission (src/run/submit-phased.ts): the funding conversion goes first and the purchases it
 * pays for only once it filled whole; a purchase whose currency did not come in is held back, never left to borrow
 * past what the plan judged; a sweep goes last, cut to what the run's sales actually brought in.
 */
import { describe, expect, it } from 'vitest';
import { NYSE_RULES } from '../../src/core/session.js';
import { planOrderUpdates, type WorkingOrder } from '../../src/core/order-updates.js';
import type { BrokerOrder, ConversionLine, OrderRequest } from '../../src/core/types.js';
import { applyOrders } from '../../src/run/apply-orders.js';
import type { Decision } from '../../src/run/decide.js';
import { conversionRequestsOf, withoutSweepsInPlace } from '../../src/run/order-requests.js';
import { runRebalance } from '../../src/run/rebalance-run.js';
import { testSettings } from '../support/run-harness.js';
import { aForecastOf, memoryRun, runIdAt, type MemoryRun } from '../support/memory-ports.js';
import { aContract, anAccountSummary, aPosition, aQuote } from '../support/scripted-broker.js';

const AT = '2026-11-23T15:30:00Z';

function sgdRun(o: { positions: Record<string, number>; weights: Record<string, number>; usdCash?: number }): MemoryRun {
  const settings = testSettings();
  return memoryRun({
    settings: { sizing: { ...settings.sizing, fxPolicy: 'convert', minConversionValue: 1000 } },
    forecasts: [aForecastOf(o.weights)],
    broker: {
      script: {
        summary: anAccountSummary({
          currency: 'SGD',
          netLiquidation: 100_000,
          totalCash: 50_000,
          cushion: 0.8,
          cashLedger: {
            baseCurrency: 'SGD',
            balances: [
              { currency: 'SGD', cash: 50_000, exchangeRate: 1 },
              { currency: 'USD', cash: o.usdCash ?? 0, exchangeRate: 1.35 },
            ],
            ratesReadAt: AT,
          },
        }),
        positions: Object.entries(o.positions).map(([s, q]) => aPosition(s, q)),
        contracts: { AAPL: aContract('AAPL'), MSFT: aContract('MSFT'), SPY: aContract('SPY', { primaryExchange: 'ARCA' }) },
        quotes: { AAPL: aQuote('AAPL', 190), MSFT: aQuote('MSFT', 410), SPY: aQuote('SPY', 600) },
        exchangeRates: {
          USD: { rate: 1.35, at: AT, source: 'the account ledger', market: { symbol: 'USD', currency: 'SGD', bid: 1.3499, ask: 1.3501 } },
        },
      },
    },
  });
}

/** The broker fills each order as `fill` says (whole at its limit by default). */
function fills(
  run: MemoryRun,
  fill: (o: OrderRequest) => { status: BrokerOrder['status']; filled: number } = (o) => ({ status: 'Filled', filled: o.quantity }),
) {
  let id = 1;
  run.broker.answer('placeOrder', (o) => {
    const f = fill(o);
    return {
      brokerOrderId: id,
      permId: 900_000 + id++,
      orderRef: o.orderRef,
      symbol: o.symbol,
      action: o.action,
      quantity: o.quantity,
      limitPrice: o.limitPrice,
      status: f.status,
      filledQuantity: f.filled,
      avgFillPrice: f.filled > 0 ? o.limitPrice : 0,
      ...(o.secType === undefined ? {} : { secType: o.secType }),
    };
  });
}

const placed = (run: MemoryRun): string[] => run.broker.callsTo('placeOrder').map(([o]) => `${o.action} ${o.quantity} ${o.symbol}`);

describe('FX_POLICY=convert: the funding conversion first, the purchases once it filled', () => {
  it('sends the conversion, then every stock order, when it fills whole', async () => {
    const run = sgdRun({ positions: { MSFT: 100 }, weights: { AAPL: 0.2, MSFT: 0.1, SPY: 0.3 } });
    fills(run);
    const result = await runRebalance(run);
    expect(result.exitCode, run.lines.join('\n')).toBe(0);
    const [first, ...rest] = placed(run);
    expect(first).toMatch(/^BUY \d+ USD\.SGD$/);
    expect(rest.map((p) => p.replace(/ \d+ /, ' '))).toEqual(['BUY AAPL', 'SELL MSFT', 'BUY SPY']);
  });

  it('holds back the purchases when the conversion rests unfilled; the sale goes; nothing of the held ones is recorded', async () => {
    const run = sgdRun({ positions: { MSFT: 100 }, weights: { AAPL: 0.2, MSFT: 0.1, SPY: 0.3 } });
    fills(run, (o) => (o.secType === 'CASH' ? { status: 'Submitted', filled: 0 } : { status: 'Filled', filled: o.quantity }));
    const result = await runRebalance(run);
    expect(result.exitCode, run.lines.join('\n')).toBe(0);
    expect(placed(run).map((p) => p.replace(/ \d+ /, ' '))).toEqual(['BUY USD.SGD', 'SELL MSFT']);
    const note = run.lines.find((l) => l.startsWith('held back'));
    expect(note).toMatch(
      /^held back, its USD not converted \(USD\.SGD Submitted, 0 of \d+ filled\): BUY \d+ AAPL, BUY \d+ SPY; nothing is borrowed for them/,
    );
    expect(run.store.ordersOf(run.runId).map((r) => r.symbol)).toEqual(['USD.SGD', 'MSFT']);
  });

  it('holds them back when IB rejects the conversion, or fills only part of it', async () => {
    const rejected = sgdRun({ positions: {}, weights: { AAPL: 0.2, SPY: 0.3 } });
    fills(rejected, (o) => (o.secType === 'CASH' ? { status: 'Cancelled', filled: 0 } : { status: 'Filled', filled: o.quantity }));
    await runRebalance(rejected);
    expect(placed(rejected)).toHaveLength(1);
    const part = sgdRun({ positions: {}, weights: { AAPL: 0.2, SPY: 0.3 } });
    fills(part, (o) =>
      o.secType === 'CASH' ? { status: 'Submitted', filled: Math.floor(o.quantity / 2) } : { status: 'Filled', filled: o.quantity },
    );
    await runRebalance(part);
    expect(placed(part)).toHaveLength(1);
    expect(part.lines.some((l) => /USD\.SGD Submitted, \d+ of \d+ filled/.test(l))).toBe(true);
  });
});

describe('FX_POLICY=convert: the sweep last, cut to what the sales brought', () => {
  it('sells back the whole proceeds when the sale filled, after it', async () => {
    const run = sgdRun({ positions: { SPY: 60 }, weights: { SPY: 0.2 } });
    fills(run);
    await runRebalance(run);
    const [sale, sweep] = run.broker.callsTo('placeOrder').map(([o]) => o);
    expect(sale?.symbol).toBe('SPY');
    expect(sale?.action).toBe('SELL');
    expect(sweep).toMatchObject({ symbol: 'USD.SGD', action: 'SELL', secType: 'CASH' });
    // What the plan swept: the sale at its limit, down to a whole dollar.
    expect(sweep?.quantity).toBe(Math.floor((sale?.quantity ?? 0) * (sale?.limitPrice ?? 0)));
  });

  it('cuts the sweep to a half-filled sale, and sends none when the sale has not filled', async () => {
    const half = sgdRun({ positions: { SPY: 60 }, weights: { SPY: 0.2 } });
    fills(half, (o) =>
      o.secType === 'CASH' ? { status: 'Filled', filled: o.quantity } : { status: 'Submitted', filled: Math.floor(o.quantity / 2) },
    );
    await runRebalance(half);
    const [sale, sweep] = half.broker.callsTo('placeOrder').map(([o]) => o);
    expect(sweep?.quantity).toBe(Math.floor(Math.floor((sale?.quantity ?? 0) / 2) * (sale?.limitPrice ?? 0)));
    expect(half.lines.some((l) => l.startsWith(`sweep SELL`) && l.includes('cut to'))).toBe(true);

    const none = sgdRun({ positions: { SPY: 60 }, weights: { SPY: 0.2 } });
    fills(none, (o) => (o.secType === 'CASH' ? { status: 'Filled', filled: o.quantity } : { status: 'Submitted', filled: 0 }));
    await runRebalance(none);
    expect(placed(none).map((p) => p.replace(/ \d+ /, ' '))).toEqual(['SELL SPY']);
    expect(none.lines.find((l) => l.startsWith('sweep SELL'))).toMatch(
      /not sent: this run's sales brought 0\.00 USD by now; the proceeds stay in USD$/,
    );
    expect(none.store.ordersOf(none.runId).map((r) => r.symbol)).toEqual(['SPY']);
  });
});

describe('FX_POLICY=convert: working conversions of earlier runs', () => {
  it('a conversion left working as it stands is judged as a conversion, not a ticker of New York: a Hong Kong run goes on', async () => {
    // Tuesday 03:00 UTC: 11:00 in Hong Kong (open), 22:00 Monday in New York (closed).
    const now = '2026-11-24T03:00:00Z';
    const run = memoryRun({ now, settings: { orderUpdates: 'modify' } });
    run.store.startRun({ runId: run.runId, startedAt: now, tradingDay: '2026-11-24', dryRun: false });
    await run.broker.connect();
    const working: BrokerOrder = {
      brokerOrderId: 77,
      permId: 7700,
      secType: 'CASH',
      orderRef: `rebal:${runIdAt('2026-11-24T02:30:00Z', 'earlier')}:SGD.HKD`,
      symbol: 'SGD.HKD',
      action: 'SELL',
      quantity: 6_900,
      limitPrice: 5.79,
      status: 'Submitted',
      filledQuantity: 0,
      avgFillPrice: 0,
    };
    const buy: OrderRequest = {
      orderRef: `rebal:${run.runId}:700`,
      symbol: '700',
      action: 'BUY',
      quantity: 100,
      limitPrice: 400,
      adaptivePriority: 'Normal',
      primaryExchange: 'SEHK',
      currency: 'HKD',
    };
    const decision = {
      plan: {
        now,
        netLiquidation: 100_000,
        sizingNetLiquidation: 99_000,
        lines: [],
        breaches: [],
        tradingState: 'ACTIVE',
        leverageBefore: 0,
        leverageAfter: 0.4,
        turnoverPct: 40,
      },
      phase: { ordersAllowed: true, phase: 'in-session', tradingDay: '2026-11-24', reason: '' },
      markets: { rulesOf: { '700': { rules: { zone: 'Asia/Hong_Kong' } } } },
      orders: [buy],
      updates: { cancels: [], modifications: [], unchanged: [working], newOrders: [buy], deferred: [] },
      newlyManaged: [],
      strategies: { sightings: [], retirements: [] },
    } as unknown as Decision;
    const applied = await applyOrders(run, now, decision, NYSE_RULES);
    expect(applied.error, run.lines.join('\n')).toBeUndefined();
    expect(run.broker.callsTo('placeOrder').map(([r]) => r.symbol)).toEqual(['700']);
    expect(run.broker.callsTo('cancelOrder')).toEqual([]);
  });

  it('a resting sweep is cancelled, never changed in place to sell the proceeds it already sold again', () => {
    const sweep: ConversionLine = {
      symbol: 'USD.SGD',
      pair: { symbol: 'USD', currency: 'SGD' },
      currency: 'USD',
      purpose: 'sweep',
      action: 'SELL',
      quantity: 6_000,
      limitPrice: 1.3489,
      referencePrice: 1.3502,
      amount: 6_000,
      value: 8_093.4,
      reason: "6,000.00 USD from this run's sales",
    };
    const requests = conversionRequestsOf('20261123T163000Z-run2', [sweep], 'Normal');
    const resting: WorkingOrder = {
      order: {
        brokerOrderId: 90,
        secType: 'CASH',
        orderRef: 'rebal:20261123T153000Z-run1:USD.SGD',
        symbol: 'USD.SGD',
        action: 'SELL',
        quantity: 6_000,
        limitPrice: 1.3489,
        status: 'Submitted',
        filledQuantity: 2_000,
        avgFillPrice: 1.349,
      },
      recordedFilled: 2_000,
      modifiable: true,
    };
    const planned = planOrderUpdates([resting], requests, [], { ordersAllowed: true });
    // As the plan alone would have it: 2,000 sold + 6,000 more = 8,000 for a sale that brings 6,000.
    expect(planned.modifications[0]?.change.quantity).toBe(8_000);
    const updates = withoutSweepsInPlace(planned, [sweep]);
    expect(updates.modifications).toEqual([]);
    expect(updates.cancels.map((c) => [c.order.orderRef, c.reason])).toEqual([
      [resting.order.orderRef, 'a sweep is not changed in place: the next run sweeps what has come in by then'],
    ]);
    expect(updates.newOrders).toEqual([]);
    expect(updates.deferred.map((r) => r.symbol)).toEqual(['USD.SGD']);
  });
});
