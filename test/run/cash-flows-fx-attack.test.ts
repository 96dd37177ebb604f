/**
 * Attack on cash flows measured in an account whose base currency is not USD (issue 15): an execution whose contract
 * this run does not know (the ticker was sold out and dropped from every forecast, so the run asks the broker
 * nothing about it) was assumed to be in the account's currency at a price magnifier of 1 when the broker's ledger
 * lists one currency (measure-cash-flows.ts, currencyField). For a London line quoted in pence in a GBP account, the
 * sale's price was then read as pounds (100 times its value); in an SGD account whose ledger lists only SGD (IB
 * converted the proceeds), a USD sale was read at rate 1. Either way the error was inferred as a flow. Fixed: such an
 * execution of an order of ours takes the order's record (its magnifier; sized at a rate, its value is not known and
 * nothing is inferred).
 */
import { describe, expect, it } from 'vitest';
import { runRebalance } from '../../src/run/rebalance-run.js';
import { orderRefFor } from '../../src/run/run-id.js';
import { aForecastOf, memoryRun } from '../support/memory-ports.js';
import { aContract, anAccountSummary, aQuote } from '../support/scripted-broker.js';

const FRIDAY = '2026-11-20T20:35:00Z';
const MONDAY = '2026-11-23T15:35:00Z';

describe('cash flows of a GBP account after selling out a line quoted in pence', () => {
  // Friday's run sold the 1,000 VOD it held (dropped from the forecast) at 3514.5 pence: +35,145.00 GBP less 3.00
  // commission, so GBP cash went from 10,000.00 to 45,142.00 and nothing came in or went out. Monday's run holds no
  // VOD and no forecast names it, so it has no VOD contract. Before the fix the fill was taken as GBP at a magnifier
  // of 1 (3,514,500.00 GBP of proceeds) and the run inferred that -3,479,355.00 GBP "went out": recorded in
  // cash_flows, named in the email, NAV_JUMP on that run, and for the rest of the day DAILY_LOSS_LIMIT took it out
  // of the start of day, so a real loss of up to 3.48M GBP would have read as a gain.
  it('infers no flow: the sale explains the cash, at 3514.5 pence = 35.145 GBP a share', async () => {
    const run = memoryRun({
      now: MONDAY,
      forecasts: [aForecastOf({ VUKE: 0.1 })],
    });
    const friday = 'run-20261120T203500Z-earlier';
    run.store.startRun({ runId: friday, startedAt: FRIDAY, tradingDay: '2026-11-20', dryRun: false });
    run.store.recordAccountRead({
      runId: friday,
      readAt: FRIDAY,
      tradingDay: '2026-11-20',
      cash: 10_000,
      netLiquidation: 45_150,
      currency: 'GBP',
      positions: { VOD: 1000 },
      cashByCurrency: { GBP: 10_000 },
    });
    // Friday's run recorded its order as every run does: a GBP line in a GBP account (no rate), quoted in pence.
    run.store.recordOrderIntents(
      friday,
      [
        {
          orderRef: orderRefFor(friday, 'VOD'),
          symbol: 'VOD',
          action: 'SELL',
          quantity: 1000,
          limitPrice: 3514,
          adaptivePriority: 'Normal',
          primaryExchange: 'LSE',
          currency: 'GBP',
          referencePrice: 3517,
          priceMagnifier: 100,
        },
      ],
      FRIDAY,
    );
    run.store.recordFills(friday, [
      {
        execId: '0001f4e8.6572a1b2.01.01',
        brokerOrderId: 7,
        orderRef: orderRefFor(friday, 'VOD'),
        symbol: 'VOD',
        side: 'SELL',
        quantity: 1000,
        price: 3514.5,
        commission: 3,
        time: '2026-11-20T20:41:00Z',
      },
    ]);
    run.store.finishRun(friday, { finishedAt: FRIDAY, status: 'ok', exitCode: 0 });
    run.broker.script.summary = anAccountSummary({
      currency: 'GBP',
      netLiquidation: 45_142,
      totalCash: 45_142,
      excessLiquidity: 45_142,
      cashLedger: { baseCurrency: 'GBP', balances: [{ currency: 'GBP', cash: 45_142, exchangeRate: 1 }], ratesReadAt: MONDAY },
    });
    run.broker.script.positions = [];
    run.broker.script.contracts = { VUKE: aContract('VUKE', { primaryExchange: 'LSEETF', currency: 'GBP' }) };
    run.broker.script.quotes = { VUKE: aQuote('VUKE', 35.14) };
    const result = await runRebalance(run);
    expect(run.db.cashFlows.filter((f) => f.source === 'inferred')).toEqual([]);
    expect(result.breaches.map((b) => b.code)).not.toContain('NAV_JUMP');
    expect(run.lines.join('\n')).not.toContain('cash flows: not inferred');
  });

  // Before the fix: +20,999.65 SGD inferred as "came in" (NAV_JUMP on that run; DAILY_LOSS_LIMIT and the kill switch
  // later that day, measuring from a start of day raised by money that never came).
  it('an SGD account whose ledger lists only SGD (IB converted the sale): a USD order sold out is not valued at rate 1', async () => {
    const run = memoryRun({ now: MONDAY, forecasts: [aForecastOf({ D05: 0.1 })] });
    const friday = 'run-20261120T203500Z-earlier';
    run.store.startRun({ runId: friday, startedAt: FRIDAY, tradingDay: '2026-11-20', dryRun: false });
    run.store.recordAccountRead({
      runId: friday,
      readAt: FRIDAY,
      tradingDay: '2026-11-20',
      cash: 10_000,
      netLiquidation: 91_000,
      currency: 'SGD',
      positions: { SPY: 100 },
      cashByCurrency: { SGD: 10_000 },
    });
    const usd = { rate: 1.35, at: FRIDAY, source: 'IDEALPRO USD.SGD midpoint' };
    run.store.recordOrderIntents(
      friday,
      [
        {
          orderRef: orderRefFor(friday, 'SPY'),
          symbol: 'SPY',
          action: 'SELL',
          quantity: 100,
          limitPrice: 599.4,
          adaptivePriority: 'Normal',
          primaryExchange: 'ARCA',
          currency: 'USD',
          referencePrice: 600,
          fx: usd,
        },
      ],
      FRIDAY,
    );
    run.store.recordFills(friday, [
      {
        execId: '0001f4e8.6572a1b3.01.01',
        brokerOrderId: 8,
        orderRef: orderRefFor(friday, 'SPY'),
        symbol: 'SPY',
        side: 'SELL',
        quantity: 100,
        price: 600,
        commission: 1,
        time: '2026-11-20T20:41:00Z',
      },
    ]);
    run.store.finishRun(friday, { finishedAt: FRIDAY, status: 'ok', exitCode: 0 });
    // 100 x 600 - 1 = 59,999 USD, converted at 1.35: +80,998.65 SGD. Read as SGD it would leave +20,999.65 "came in".
    run.broker.script.summary = anAccountSummary({
      currency: 'SGD',
      netLiquidation: 90_998.65,
      totalCash: 90_998.65,
      excessLiquidity: 90_998.65,
      cashLedger: { baseCurrency: 'SGD', balances: [{ currency: 'SGD', cash: 90_998.65, exchangeRate: 1 }], ratesReadAt: MONDAY },
    });
    run.broker.script.positions = [];
    run.broker.script.contracts = { D05: aContract('D05', { primaryExchange: 'SGX', currency: 'SGD' }) };
    run.broker.script.quotes = { D05: aQuote('D05', 45.1) };
    await runRebalance(run);
    expect(run.db.cashFlows.filter((f) => f.source === 'inferred')).toEqual([]);
    expect(run.lines.join('\n')).toContain(
      `cash flows: not inferred since the last run (SPY: its contract was not read this run, and its order ${orderRefFor(friday, 'SPY')} was sized in another currency than the account's)`,
    );
  });

  // A trade by hand (no order of ours to read the units from) of a line quoted in pence, sold out and in no forecast:
  // the run asks the broker for the contracts of the tickers executed since the last read; one the broker does not
  // give is of unknown value (before: taken at a magnifier of 1, -3,479,355.00 GBP inferred as "went out").
  it('a sale by hand of a line quoted in pence, sold out, whose contract the broker does not give: no flow inferred', async () => {
    const run = memoryRun({ now: MONDAY, forecasts: [aForecastOf({ VUKE: 0.1 })] });
    const friday = 'run-20261120T203500Z-earlier';
    run.store.startRun({ runId: friday, startedAt: FRIDAY, tradingDay: '2026-11-20', dryRun: false });
    run.store.recordAccountRead({
      runId: friday,
      readAt: FRIDAY,
      tradingDay: '2026-11-20',
      cash: 10_000,
      netLiquidation: 45_150,
      currency: 'GBP',
      positions: { VOD: 1000 },
      cashByCurrency: { GBP: 10_000 },
    });
    run.store.recordFills(friday, [
      {
        execId: '0001f4e8.6572a1b4.01.01',
        brokerOrderId: 0,
        orderRef: '',
        symbol: 'VOD',
        side: 'SELL',
        quantity: 1000,
        price: 3514.5,
        commission: 3,
        time: '2026-11-20T20:41:00Z',
      },
    ]);
    run.store.finishRun(friday, { finishedAt: FRIDAY, status: 'ok', exitCode: 0 });
    run.broker.script.summary = anAccountSummary({
      currency: 'GBP',
      netLiquidation: 45_142,
      totalCash: 45_142,
      excessLiquidity: 45_142,
      cashLedger: { baseCurrency: 'GBP', balances: [{ currency: 'GBP', cash: 45_142, exchangeRate: 1 }], ratesReadAt: MONDAY },
    });
    run.broker.script.positions = [];
    run.broker.script.contracts = { VUKE: aContract('VUKE', { primaryExchange: 'LSEETF', currency: 'GBP' }) };
    run.broker.script.quotes = { VUKE: aQuote('VUKE', 35.14) };
    await runRebalance(run);
    expect(run.db.cashFlows.filter((f) => f.source === 'inferred')).toEqual([]);
  });

  it('the same sale, its contract given by the broker (pence, magnifier 100): measured, no flow', async () => {
    const run = memoryRun({ now: MONDAY, forecasts: [aForecastOf({ VUKE: 0.1 })] });
    const friday = 'run-20261120T203500Z-earlier';
    run.store.startRun({ runId: friday, startedAt: FRIDAY, tradingDay: '2026-11-20', dryRun: false });
    run.store.recordAccountRead({
      runId: friday,
      readAt: FRIDAY,
      tradingDay: '2026-11-20',
      cash: 10_000,
      netLiquidation: 45_150,
      currency: 'GBP',
      positions: { VOD: 1000 },
      cashByCurrency: { GBP: 10_000 },
    });
    const sale = { execId: '0001f4e8.6572a1b4.01.01', brokerOrderId: 0, orderRef: '', symbol: 'VOD', side: 'SELL' as const };
    run.store.recordFills(friday, [{ ...sale, quantity: 1000, price: 3514.5, commission: 3, time: '2026-11-20T20:41:00Z' }]);
    run.store.finishRun(friday, { finishedAt: FRIDAY, status: 'ok', exitCode: 0 });
    // 10,000 + 1,000 x 3514.5 / 100 - 3 = 45,142.00 GBP.
    run.broker.script.summary = anAccountSummary({
      currency: 'GBP',
      netLiquidation: 45_142,
      totalCash: 45_142,
      excessLiquidity: 45_142,
      cashLedger: { baseCurrency: 'GBP', balances: [{ currency: 'GBP', cash: 45_142, exchangeRate: 1 }], ratesReadAt: MONDAY },
    });
    run.broker.script.positions = [];
    run.broker.script.contracts = {
      VUKE: aContract('VUKE', { primaryExchange: 'LSEETF', currency: 'GBP' }),
      VOD: { ...aContract('VOD', { primaryExchange: 'LSE', currency: 'GBP' }), priceMagnifier: 100 },
    };
    run.broker.script.quotes = { VUKE: aQuote('VUKE', 35.14) };
    await runRebalance(run);
    expect(run.db.cashFlows.filter((f) => f.source === 'inferred')).toEqual([]);
    expect(run.lines.join('\n')).toContain('cash flows: none since the last run');
  });
});
