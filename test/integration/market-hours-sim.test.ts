import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runHourlyRebalance } from '../../src/app/hourly-job.js';
import { loadState } from '../../src/sim/state-file.js';
import { DateTime } from 'luxon';
import {
  EARLY_NEW_YORK,
  THANKSGIVING,
  UK_BANK_HOLIDAY,
  UK_BOXING_DAY_OBSERVED,
  US_AND_LONDON_WEIGHTS,
  usAndLondon,
} from '../support/listings-abroad.js';

/** The hourly job with BROKER=sim on a scenario with two US ETFs and a London listing quoted in USD. */
let root = '';
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'market-hours-sim-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function job(now: string, scenario: Record<string, unknown> = usAndLondon('DU0000001')): Promise<{ code: number; out: string }> {
  const forecasts = join(root, 'forecasts');
  mkdirSync(forecasts, { recursive: true });
  const asOf = DateTime.fromISO(now).minus({ hours: 1 }).toUTC().toISO();
  writeFileSync(
    join(forecasts, 'trend.json'),
    JSON.stringify({ strategy: 'trend', asOf, leverage: 1, capital: 1, weights: US_AND_LONDON_WEIGHTS }),
  );
  const scenarioFile = join(root, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(scenario));
  const lines: string[] = [];
  const code = await runHourlyRebalance({
    cwd: root,
    env: { BROKER: 'sim', SIM_SCENARIO: scenarioFile, FORECAST_DIR: forecasts, DATA_DIR: join(root, 'data'), LOG_DIR: join(root, 'logs') },
    now,
    dryRun: false,
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
  });
  // The plan's WHY column wraps: one line per row, for the regular expressions.
  return { code, out: lines.join('\n').replace(/\n {4}/g, ' ') };
}

/** The orders the simulated broker holds: symbol, side, and each orderRef once. */
function orders(): { symbols: string[]; refs: string[] } {
  const state = loadState(join(root, 'data'));
  const all = state?.orders ?? [];
  return { symbols: [...new Set(all.map((o) => o.symbol))].sort(), refs: all.map((o) => o.orderRef) };
}

function expectInvariants(placed: { symbols: string[]; refs: string[] }): void {
  // Nothing traded that no forecast asked for, nothing sent twice.
  expect(placed.symbols.every((s) => Object.keys(US_AND_LONDON_WEIGHTS).includes(s))).toBe(true);
  expect(new Set(placed.refs).size).toBe(placed.refs.length);
}

describe('each contract in its own market hours, on the sim broker', () => {
  it('on US Thanksgiving trades the London listing and leaves the US ones, saying why', async () => {
    const r = await job(THANKSGIVING);
    expect(r.code, r.out).toBe(0);
    const placed = orders();
    expect(placed.symbols).toEqual(['CSPX']);
    expectInvariants(placed);
    expect(r.out).toMatch(
      /SPY +0 +\d+ +NONE .* left for a later run \(market closed: ARCA, opens Fri 09:30 New York \(Thanksgiving Day\)\): would have BUY \d+/,
    );
    expect(r.out).toMatch(
      /QQQ +0 +\d+ +NONE .* left for a later run \(market closed: NASDAQ, opens Fri 09:30 New York \(Thanksgiving Day\)\): would have BUY \d+/,
    );
    expect(r.out).toMatch(/== markets \(each ticker trades in its own market hours\)\nARCA \(SPY\): market closed/);
  });

  it('on a UK bank holiday trades the US listings and leaves the London one', async () => {
    const r = await job(UK_BANK_HOLIDAY);
    expect(r.code, r.out).toBe(0);
    const placed = orders();
    expect(placed.symbols).toEqual(['QQQ', 'SPY']);
    expectInvariants(placed);
    expect(r.out).toMatch(
      /CSPX +0 +\d+ +NONE .* left for a later run \(market closed: LSEETF, opens Tue 08:00 London \(closed according to IB liquid hours\)\): would have BUY \d+/,
    );
  });

  it('on the UK Boxing Day holiday moved to Monday 28 December, the same', async () => {
    const r = await job(UK_BOXING_DAY_OBSERVED);
    expect(r.code, r.out).toBe(0);
    expect(orders().symbols).toEqual(['QQQ', 'SPY']);
  });

  it('at 04:35 New York trades only London, with IANA zone names too', async () => {
    const r = await job(EARLY_NEW_YORK, usAndLondon('DU0000001', 'Europe/London'));
    expect(r.code, r.out).toBe(0);
    const placed = orders();
    expect(placed.symbols).toEqual(['CSPX']);
    expectInvariants(placed);
    expect(r.out).toMatch(/market closed: ARCA, opens 09:30 New York/);
  });

  it('when no market is open the run does what it did outside trading hours: a snapshot, no order, exit 0', async () => {
    const r = await job('2026-11-26T22:35:00Z');
    expect(r.code, r.out).toBe(0);
    expect(orders().symbols).toEqual([]);
    expect(r.out).toMatch(/no market of the run's tickers takes orders now: .*no orders sent/);
  });

  it('a London listing without hours is never traded, and the plan says why', async () => {
    const scenario = usAndLondon('DU0000001');
    const contracts = scenario.contracts as Record<string, Record<string, unknown>>;
    contracts.CSPX = { minTick: 0.01, primaryExchange: 'LSEETF', currency: 'USD', timeZone: 'GB-Eire', liquidHours: '' };
    const r = await job(EARLY_NEW_YORK.replace('09:35', '15:35'), scenario);
    expect(r.code, r.out).toBe(0);
    expect(orders().symbols).toEqual(['QQQ', 'SPY']);
    expect(r.out).toMatch(/not traded: the broker gives no trading hours for CSPX on LSEETF/);
  });
});
