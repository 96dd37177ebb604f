/**
 * The built `rebalancer` on the sim broker, two runs on two trading days: Friday buys MSFT, Monday sells most of
 * the AAPL held since the start (average cost 150, quoted near 190). `status` and `status --json` then show the
 * day P&L against Friday's close, cost basis and unrealized P&L per position, and the realized P&L of Monday.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, writeForecast } from '../support/cli.js';
import { fourStocks } from '../support/scenarios.js';

const FRIDAY = '2026-11-20T20:35:00Z';
const MONDAY = '2026-11-23T15:35:00Z';
const AFTER = '2026-11-23T15:50:00Z';

interface PnlJson {
  tradingDay: string;
  previousClose: { tradingDay: string; at: string } | null;
  day: number | null;
  dayCashFlows: number;
  unrealized: number;
  costBasis: number;
  unrealizedAtPreviousClose: number | null;
  realizedToday: number | null;
  realizedTodayUnknownBecause?: string;
  perPosition: { symbol: string; quantity: number; avgCost: number; marketValue: number; costBasis: number; unrealized: number }[];
}

const cents = (x: number): number => Math.round(x * 100) / 100;

async function workspace() {
  const ws = makeWorkspace();
  const scenario = join(ws.root, 'scenario.json');
  writeFileSync(scenario, JSON.stringify(fourStocks('DU0000001')));
  const env = { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs, SIM_SCENARIO: scenario };
  return { ws, env };
}

describe('status: P&L', () => {
  it('day P&L against the previous close, cost basis and unrealized per position, realized of the day', async () => {
    const { ws, env } = await workspace();
    writeForecast(ws.forecasts, 'trend.json', { strategy: 'trend', asOf: FRIDAY, leverage: 1, weights: { AAPL: 0.19, MSFT: 0.2 } });
    const friday = await runCli(['run', '--now', FRIDAY], { cwd: ws.root, env });
    expect(friday.code, friday.stdout + friday.stderr).toBe(0);

    // Friday alone: no previous close, so no day P&L and no realized, each with its reason; unrealized is known.
    const first = await runCli(['status', '--json'], { cwd: ws.root, env: { ...env, REBALANCER_NOW: '2026-11-20T20:50:00Z' } });
    expect(first.code, first.stderr).toBe(0);
    const before = (JSON.parse(first.stdout) as { pnl: PnlJson }).pnl;
    expect(before.day).toBeNull();
    expect(before.realizedToday).toBeNull();
    expect(before.realizedTodayUnknownBecause).toBe('no previous close recorded');
    const held = before.perPosition.find((p) => p.symbol === 'AAPL');
    // 100 held at 150 from the start, some bought Friday near 190: IB's average cost between the two.
    expect(held?.avgCost).toBeGreaterThan(150);
    expect(held?.avgCost).toBeLessThan(160);
    expect(held?.costBasis).toBe(cents((held?.quantity ?? 0) * (held?.avgCost ?? 0)));

    writeForecast(ws.forecasts, 'trend.json', { strategy: 'trend', asOf: MONDAY, leverage: 1, weights: { AAPL: 0.05, MSFT: 0.2 } });
    const monday = await runCli(['run', '--now', MONDAY], { cwd: ws.root, env });
    expect(monday.code, monday.stdout + monday.stderr).toBe(0);

    const json = await runCli(['status', '--json'], { cwd: ws.root, env: { ...env, REBALANCER_NOW: AFTER } });
    expect(json.code, json.stderr).toBe(0);
    const status = JSON.parse(json.stdout) as { pnl: PnlJson; positions: { symbol: string; costBasis: number; unrealized: number }[] };
    const pnl = status.pnl;
    expect(pnl.tradingDay).toBe('2026-11-23');
    expect(pnl.previousClose?.tradingDay).toBe('2026-11-20');
    expect(pnl.day).not.toBeNull();
    expect(pnl.unrealizedAtPreviousClose).not.toBeNull();
    // The definition, to the cent: realized = day P&L - (unrealized now - unrealized at Friday's close).
    expect(pnl.realizedToday).toBe(cents((pnl.day ?? 0) - (pnl.unrealized - (pnl.unrealizedAtPreviousClose ?? 0))));
    // Most of the AAPL bought at 150 was sold near 190: a gain of thousands, realized.
    expect(pnl.realizedToday ?? 0).toBeGreaterThan(1_000);
    const aapl = pnl.perPosition.find((p) => p.symbol === 'AAPL');
    expect(aapl?.quantity).toBeLessThan(100);
    expect(aapl?.costBasis).toBe(cents((aapl?.quantity ?? 0) * (aapl?.avgCost ?? 0)));
    expect(aapl?.unrealized).toBe(cents((aapl?.marketValue ?? 0) - (aapl?.costBasis ?? 0)));
    // MSFT opened Friday: its cost basis is what was paid for it, commissions included.
    const msft = pnl.perPosition.find((p) => p.symbol === 'MSFT');
    expect(msft?.avgCost).toBeGreaterThan(409);
    expect(cents(pnl.perPosition.reduce((s, p) => s + p.unrealized, 0))).toBe(pnl.unrealized);
    expect(status.positions.find((p) => p.symbol === 'AAPL')).toMatchObject({ costBasis: aapl?.costBasis, unrealized: aapl?.unrealized });

    const text = await runCli(['status'], { cwd: ws.root, env: { ...env, REBALANCER_NOW: AFTER } });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('P&L of 2026-11-23 at this snapshot:');
    expect(text.stdout).toMatch(/ {2}day [+-][\d,]+\.\d\d since the close of 2026-11-20/);
    expect(text.stdout).toMatch(/ {2}unrealized [+-][\d,]+\.\d\d \([+-][\d.]+%\) on a cost basis of [\d,]+\.\d\d/);
    expect(text.stdout).toMatch(/ {2}realized today \+[\d,]+\.\d\d /);
    expect(text.stdout).toMatch(/SYMBOL +QTY +PRICE +VALUE +COST +UNREALIZED +WEIGHT +TARGET +DRIFT/);
  });
});
