/**
 * FX_POLICY=convert on the built `rebalancer` and the sim broker (issue 15): the README's worked example of an SGD
 * account holding US ETFs and one London listing. The plan adds one conversion per currency its purchases spend,
 * on the pair the FX market lists (USD.SGD, GBP.SGD), for exactly the shortfall the dollars held do not cover, at the
 * quote's midpoint plus LIMIT_OFFSET_BPS on IDEALPRO's tick; the run sends them before the stock orders, the account
 * borrows nothing, a later run sends nothing twice and infers no cash flow, and a sale's proceeds are swept back.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, writeForecast } from '../support/cli.js';

// Monday 2026-11-23, 10:35 in New York and 15:35 in London: both markets and IDEALPRO are open.
const RUN_AT = '2026-11-23T15:35:00Z';
const LATER = '2026-11-23T16:35:00Z';
const SALE_AT = '2026-11-23T17:35:00Z';

const RATES = { USD: 1.3502, GBP: 1.7215 };
const QUOTES = {
  SPY: { bid: 600.1, ask: 600.14, last: 600.12, close: 598.7 },
  IEF: { bid: 95.33, ask: 95.35, last: 95.34, close: 95.2 },
  VUKE: { bid: 35.12, ask: 35.16, last: 35.14, close: 35.0 },
};
const SCENARIO = {
  account: 'DU0000001',
  currency: 'SGD',
  cash: { SGD: 300_000, USD: 1_000.5 },
  exchangeRates: RATES,
  positions: { SPY: { quantity: 40, avgCost: 590 } },
  quotes: QUOTES,
  contracts: {
    SPY: { primaryExchange: 'ARCA', currency: 'USD' },
    IEF: { primaryExchange: 'NASDAQ', currency: 'USD' },
    VUKE: { primaryExchange: 'LSEETF', currency: 'GBP' },
  },
  fills: { partialFillProbability: 0 },
};
const WEIGHTS = { SPY: 0.25, IEF: 0.2, VUKE: 0.3 };
const TICK = new Decimal('0.00005');

interface PlanJson {
  tradingState: string;
  breaches: unknown[];
  orders: { symbol: string; action: string; quantity: number; limitPrice: number | null; currency: string | null }[];
  conversions?: {
    pair: string;
    currency: string;
    purpose: string;
    action: string;
    quantity: number;
    limitPrice: number | null;
    value: number;
    reason: string;
  }[];
}

function workspace() {
  const ws = makeWorkspace();
  const scenario = join(ws.root, 'scenario.json');
  writeFileSync(scenario, JSON.stringify(SCENARIO));
  writeFileSync(join(ws.root, '.env'), '');
  const env = {
    FORECAST_DIR: ws.forecasts,
    DATA_DIR: ws.data,
    LOG_DIR: ws.logs,
    SIM_SCENARIO: scenario,
    MAX_ORDER_VALUE: '150000',
    FX_POLICY: 'convert',
  };
  writeForecast(ws.forecasts, 'global.json', { strategy: 'global', asOf: RUN_AT, leverage: 1, weights: WEIGHTS });
  return { ws, env };
}

/** The sim's IDEALPRO quote of a rate on the tick grid is one tick either side: its midpoint is the rate. BUY limit: mid x 1.001 down to the tick. */
const buyLimit = (rate: number): Decimal => new Decimal(rate).times(1.001).div(TICK).floor().times(TICK);
const sellLimit = (rate: number): Decimal => new Decimal(rate).times(0.999).div(TICK).ceil().times(TICK);

/** What the plan's stock orders spend in a currency, at their limits. */
function spend(plan: PlanJson, currency: string): Decimal {
  return plan.orders
    .filter((o) => o.currency === currency && o.action === 'BUY')
    .reduce((sum, o) => sum.plus(new Decimal(o.quantity).times(o.limitPrice ?? NaN)), new Decimal(0));
}

describe('FX_POLICY=convert: an SGD account buying US and London listings (sim broker, built CLI)', () => {
  it('plans a conversion per currency for exactly the shortfall, on the listed pair, priced off its quote', async () => {
    const { ws, env } = workspace();
    const r = await runCli(['plan', '--json', '--now', RUN_AT], { cwd: ws.root, env });
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as PlanJson;
    expect(plan.breaches).toEqual([]);
    expect(plan.tradingState).toBe('ACTIVE');
    // Dollars: the USD orders' spend less the 1,000.50 USD held, up to a whole dollar; pounds: VUKE's whole spend.
    const usdNeed = spend(plan, 'USD').minus(1_000.5).ceil();
    const gbpNeed = spend(plan, 'GBP').ceil();
    expect(usdNeed.gt(0) && gbpNeed.gt(0)).toBe(true);
    expect(plan.conversions).toEqual([
      expect.objectContaining({
        pair: 'GBP.SGD',
        currency: 'GBP',
        purpose: 'fund',
        action: 'BUY',
        quantity: gbpNeed.toNumber(),
        limitPrice: buyLimit(RATES.GBP).toNumber(),
        value: gbpNeed.times(buyLimit(RATES.GBP)).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber(),
      }),
      expect.objectContaining({
        pair: 'USD.SGD',
        currency: 'USD',
        action: 'BUY',
        quantity: usdNeed.toNumber(),
        limitPrice: buyLimit(RATES.USD).toNumber(),
      }),
    ]);
  });

  it('the run converts before it buys, borrows nothing, sends nothing twice, infers no flow; a sale is swept back', async () => {
    const { ws, env } = workspace();
    const first = await runCli(['run', '--now', RUN_AT], { cwd: ws.root, env });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain('currency conversions (FX_POLICY=convert), sent before the stock orders:');
    expect(first.stdout).toMatch(/^ {2}BUY \d+ USD\.SGD @ 1\.35155$/m);
    const second = await runCli(['run', '--now', LATER], { cwd: ws.root, env });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    // Both legs of each conversion and the purchases explain the change in cash, currency by currency.
    expect(second.stdout).toMatch(/cash flows: none since the last run \(cash per currency .*GBP \+[\d,.]+ \(executions \+[\d,.]+\)/);

    const db = new Database(join(ws.data, 'rebalancer.sqlite'), { readonly: true });
    const orders = db.prepare('SELECT id, symbol, action, status, sec_type, run_id FROM orders ORDER BY id').all() as {
      symbol: string;
      action: string;
      status: string;
      sec_type: string | null;
      run_id: string;
    }[];
    const cash = Object.fromEntries(
      (db.prepare('SELECT currency, cash FROM v_latest_cash').all() as { currency: string; cash: number }[]).map((c) => [
        c.currency,
        c.cash,
      ]),
    );
    const flows = db.prepare('SELECT count(*) AS n FROM cash_flows').get() as { n: number };
    const breaches = db.prepare('SELECT code, detail FROM breaches').all();
    db.close();
    // The conversions first, as sent; every order once, all in the first run, all filled.
    expect(orders.map((o) => [o.symbol, o.action, o.sec_type, o.status])).toEqual([
      ['GBP.SGD', 'BUY', 'CASH', 'Filled'],
      ['USD.SGD', 'BUY', 'CASH', 'Filled'],
      ['IEF', 'BUY', null, 'Filled'],
      ['SPY', 'BUY', null, 'Filled'],
      ['VUKE', 'BUY', null, 'Filled'],
    ]);
    expect(new Set(orders.map((o) => o.run_id)).size).toBe(1);
    // Nothing borrowed: the conversions brought at least what the purchases took (fills at or inside their limits).
    expect(cash.USD).toBeGreaterThanOrEqual(0);
    expect(cash.GBP).toBeGreaterThanOrEqual(0);
    expect(cash.SGD).toBeLessThan(300_000);
    // The second run read cash moved by both legs of each conversion and by the purchases: no deposit, no withdrawal.
    expect(flows.n).toBe(0);
    expect(breaches).toEqual([]);

    // The strategy halves SPY: the sale's dollars go back to SGD, no more than it brought.
    writeForecast(ws.forecasts, 'global.json', { strategy: 'global', asOf: SALE_AT, leverage: 1, weights: { ...WEIGHTS, SPY: 0.125 } });
    const sale = await runCli(['plan', '--json', '--now', SALE_AT], { cwd: ws.root, env });
    expect(sale.code, sale.stderr).toBe(0);
    const plan = JSON.parse(sale.stdout) as PlanJson;
    const spy = plan.orders.find((o) => o.symbol === 'SPY');
    expect(spy?.action).toBe('SELL');
    const proceeds = new Decimal(spy?.quantity ?? NaN).times(spy?.limitPrice ?? NaN);
    expect(plan.conversions).toEqual([
      expect.objectContaining({
        pair: 'USD.SGD',
        purpose: 'sweep',
        action: 'SELL',
        quantity: proceeds.floor().toNumber(),
        limitPrice: sellLimit(RATES.USD).toNumber(),
      }),
    ]);
  });
});
