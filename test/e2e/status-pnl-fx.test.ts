/**
 * The built `rebalancer` on the sim broker, an account in Singapore dollars holding 10 SPY (a USD listing, average
 * cost 500.00 USD): `status` shows the position's cost basis and unrealized P&L in SGD, the cost basis at the rate the
 * snapshot valued the position with (10 x 500 x 1.351234 = 6,756.17 SGD), never dollars set against Singapore dollars.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, writeForecast } from '../support/cli.js';

// Monday 2026-11-23, 10:35 in New York: the session is open.
const RUN_AT = '2026-11-23T15:35:00Z';
const STATUS_AT = '2026-11-23T16:20:00Z';

const SCENARIO = {
  account: 'DU0000001',
  currency: 'SGD',
  cash: { SGD: 150_000 },
  exchangeRates: { USD: 1.351234 },
  positions: { SPY: { quantity: 10, avgCost: 500 } },
  quotes: { SPY: { bid: 559.99, ask: 560.01, last: 560, close: 555 } },
  contracts: { SPY: { primaryExchange: 'ARCA', currency: 'USD' } },
  fills: { partialFillProbability: 0 },
};

interface PositionJson {
  symbol: string;
  quantity: number;
  avgCost: number;
  marketValue: number;
  fxRate?: number;
  costBasis: number | null;
  unrealized: number | null;
}

const cents = (d: Decimal): number => d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber();

describe('status: P&L of a position in another currency', () => {
  it('cost basis and unrealized of a USD position in an SGD account, in SGD', async () => {
    const ws = makeWorkspace();
    const scenario = join(ws.root, 'scenario.json');
    writeFileSync(scenario, JSON.stringify(SCENARIO));
    const env = { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs, SIM_SCENARIO: scenario };
    // An empty forecast blocks the run (INVALID_FORECAST) after its snapshot is recorded: nothing trades.
    writeForecast(ws.forecasts, 'local.json', { strategy: 'local', asOf: RUN_AT, leverage: 1, weights: {} });
    const run = await runCli(['run', '--now', RUN_AT], { cwd: ws.root, env });
    expect(run.code, run.stdout + run.stderr).toBe(3);

    const json = await runCli(['status', '--json'], { cwd: ws.root, env: { ...env, REBALANCER_NOW: STATUS_AT } });
    expect(json.code, json.stderr).toBe(0);
    const status = JSON.parse(json.stdout) as {
      positions: PositionJson[];
      pnl: { costBasis: number; unrealized: number; perPosition: { symbol: string; costBasis: number; unrealized: number }[] };
    };
    const spy = status.positions.find((p) => p.symbol === 'SPY');
    expect(spy?.avgCost).toBe(500);
    expect(spy?.fxRate).toBe(1.351234);
    // 10 x 500 USD x 1.351234 = 6,756.17 SGD; the market value is the snapshot's, in SGD already.
    const costBasis = new Decimal(10).times(500).times('1.351234');
    expect(spy?.costBasis).toBe(cents(costBasis));
    expect(spy?.costBasis).toBe(6_756.17);
    const unrealized = new Decimal(spy?.marketValue ?? NaN).minus(costBasis);
    expect(spy?.unrealized).toBe(cents(unrealized));
    // The market value is 10 x about 560 USD x 1.351234 (about 7,567 SGD): a profit of about 811 SGD, not the
    // 2,567 a cost basis left in dollars (5,000) would make of it.
    expect(spy?.unrealized).toBeGreaterThan(700);
    expect(spy?.unrealized).toBeLessThan(900);
    expect(status.pnl.costBasis).toBe(6_756.17);
    expect(status.pnl.unrealized).toBe(cents(unrealized));

    const text = await runCli(['status'], { cwd: ws.root, env: { ...env, REBALANCER_NOW: STATUS_AT } });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('on a cost basis of 6,756.17');
    expect(text.stdout).toMatch(/^SPY +10 +[\d.]+ +[\d,.]+ +6,756\.17 +\+[\d,.]+ /m);
  });
});
