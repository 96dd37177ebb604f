/**
 * The built `rebalancer` on the sim broker with an account in Singapore dollars holding US ETFs and one London
 * listing (issue 15): the plan sizes every ticker in SGD with the broker's rates, to the cent of a hand computation
 * with the scenario's figures; the run sends the orders, records each with the rate it was sized with, and a later
 * run sends nothing twice.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, writeForecast } from '../support/cli.js';

// Monday 2026-11-23, 10:35 in New York and 15:35 in London: both markets are open.
const RUN_AT = '2026-11-23T15:35:00Z';
const LATER = '2026-11-23T16:05:00Z';

const RATES = { USD: 1.3502, GBP: 1.7215 };
const QUOTES = {
  SPY: { bid: 600.1, ask: 600.14, last: 600.12, close: 598.7 },
  IEF: { bid: 95.33, ask: 95.35, last: 95.34, close: 95.2 },
  VUKE: { bid: 35.12, ask: 35.16, last: 35.14, close: 35.0 },
};
const SCENARIO = {
  account: 'DU0000001',
  currency: 'SGD',
  // A little USD cash: its rate comes from the account's ledger; GBP is not held, so its rate comes from FX quotes.
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

interface PlanOrder {
  symbol: string;
  action: string;
  quantity: number;
  currentQuantity: number;
  targetQuantity: number;
  referencePrice: number;
  currency: string | null;
  fx: { rate: number; at: string; source: string } | null;
  tradeValue: number;
  targetValue: number;
  reason: string;
}

function workspace() {
  const ws = makeWorkspace();
  const scenario = join(ws.root, 'scenario.json');
  writeFileSync(scenario, JSON.stringify(SCENARIO));
  // An installed home (plan reads only); limits in the account's currency: a 0.3 weight is about 97,000 SGD.
  writeFileSync(join(ws.root, '.env'), '');
  const env = { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs, SIM_SCENARIO: scenario, MAX_ORDER_VALUE: '150000' };
  writeForecast(ws.forecasts, 'global.json', { strategy: 'global', asOf: RUN_AT, leverage: 1, weights: WEIGHTS });
  return { ws, env };
}

describe('an SGD account sized in SGD (sim broker, built CLI)', () => {
  it('plans to the cent of the hand computation with the scenario rates', async () => {
    const { ws, env } = workspace();
    const r = await runCli(['plan', '--json', '--now', RUN_AT], { cwd: ws.root, env });
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { tradingState: string; netLiquidation: number; breaches: unknown[]; orders: PlanOrder[] };
    expect(plan.breaches).toEqual([]);
    expect(plan.tradingState).toBe('ACTIVE');
    // NLV in SGD as the broker reports it: 300,000 + 1,000.50 USD + 40 SPY at the mark, both at the USD rate.
    expect(plan.netLiquidation).toBeGreaterThan(330_000);
    const sizing = new Decimal(plan.netLiquidation).times(0.98); // CASH_BUFFER_PCT 2
    const held: Record<string, number> = { SPY: 40 };
    for (const [symbol, weight] of Object.entries(WEIGHTS)) {
      const q = QUOTES[symbol as keyof typeof QUOTES];
      const currency = SCENARIO.contracts[symbol as keyof typeof SCENARIO.contracts].currency as 'USD' | 'GBP';
      const mid = new Decimal(q.bid).plus(q.ask).div(2);
      const share = mid.times(RATES[currency]);
      const target = sizing.times(weight).div(share).trunc();
      const trade = target.minus(held[symbol] ?? 0);
      const line = plan.orders.find((o) => o.symbol === symbol);
      expect(line, symbol).toBeDefined();
      expect(line?.currency).toBe(currency);
      expect(line?.fx?.rate, symbol).toBe(RATES[currency]);
      expect(line?.targetValue, symbol).toBe(sizing.times(weight).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber());
      expect(line?.targetQuantity, symbol).toBe(target.toNumber());
      expect(line?.action, symbol).toBe('BUY');
      expect(line?.quantity, symbol).toBe(trade.toNumber());
      expect(line?.tradeValue, symbol).toBe(trade.times(share).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber());
      expect(line?.reason, symbol).toContain(`at ${currency} ${mid.toFixed(2)} x ${RATES[currency]} = ${share.toString()} SGD`);
    }
    const byFx = Object.fromEntries(plan.orders.map((o) => [o.symbol, o.fx?.source]));
    expect(byFx).toEqual({ SPY: 'the account ledger', IEF: 'the account ledger', VUKE: 'simulated FX GBP.SGD' });
  });

  it('the run sends each order once and records the rate it was sized with; the foreign cash goes negative (borrowed)', async () => {
    const { ws, env } = workspace();
    const first = await runCli(['run', '--now', RUN_AT], { cwd: ws.root, env });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    // The plan table says each price's units and rate; values are SGD.
    expect(first.stdout).toMatch(/^SYMBOL +CURRENT +TARGET +ACTION +QTY +LIMIT +REF +PRICED IN +VALUE +EST\.COST$/m);
    expect(first.stdout).toMatch(/^SPY +40 +\d+ +BUY .* USD @ 1\.3502 /m);
    expect(first.stdout).toMatch(/^VUKE +0 +\d+ +BUY .* GBP @ 1\.7215 /m);
    const second = await runCli(['run', '--now', LATER], { cwd: ws.root, env });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const db = new Database(join(ws.data, 'rebalancer.sqlite'), { readonly: true });
    const orders = db
      .prepare('SELECT symbol, action, status, currency, fx_rate, fx_rate_source, run_id FROM orders ORDER BY symbol, id')
      .all() as {
      symbol: string;
      action: string;
      status: string;
      currency: string;
      fx_rate: number;
      fx_rate_source: string;
      run_id: string;
    }[];
    const cash = db.prepare('SELECT currency, cash FROM v_latest_cash ORDER BY currency').all() as { currency: string; cash: number }[];
    const positions = db.prepare('SELECT symbol, quantity, market_value, fx_rate FROM v_latest_positions ORDER BY symbol').all() as {
      symbol: string;
      quantity: number;
      market_value: number;
      fx_rate: number | null;
    }[];
    db.close();
    // One order per ticker, in the first run; the later run finds them filled and at target.
    expect(orders.map((o) => [o.symbol, o.action, o.status, o.currency, o.fx_rate])).toEqual([
      ['IEF', 'BUY', 'Filled', 'USD', RATES.USD],
      ['SPY', 'BUY', 'Filled', 'USD', RATES.USD],
      ['VUKE', 'BUY', 'Filled', 'GBP', RATES.GBP],
    ]);
    expect(new Set(orders.map((o) => o.run_id)).size).toBe(1);
    // IB lends what the account buys in a currency it lacks (FX_POLICY=borrow): USD and GBP balances are negative.
    const balance = Object.fromEntries(cash.map((c) => [c.currency, c.cash]));
    expect(balance.USD).toBeLessThan(0);
    expect(balance.GBP).toBeLessThan(0);
    expect(balance.SGD).toBe(300_000);
    // Positions valued in SGD at the rate of their currency.
    expect(positions.map((p) => [p.symbol, p.fx_rate])).toEqual([
      ['IEF', RATES.USD],
      ['SPY', RATES.USD],
      ['VUKE', RATES.GBP],
    ]);
    const spy = positions.find((p) => p.symbol === 'SPY');
    expect(spy?.market_value).toBeGreaterThan((spy?.quantity ?? 0) * 600 * 1.35);
  });
});
