/**
 * Forecast age in trading sessions, through a whole run on in-memory ports and through `rebalancer plan`'s
 * pipeline (previewPlan): a Monday-morning run trades on Friday evening's file; a file two sessions old blocks
 * with STALE_FORECAST naming the sessions; the sessions are those of the rules the run trades by (the
 * contracts' liquid hours when the broker gives them), and MAX_FORECAST_AGE_HOURS alone keeps counting hours.
 */
import { describe, expect, it } from 'vitest';
import type { ContractInfo } from '../../src/core/types.js';
import { runRebalance, type RunResult } from '../../src/run/rebalance-run.js';
import { previewPlan } from '../../src/run/preview-plan.js';
import {
  aForecastOf,
  aMarket,
  memoryRun,
  runInvariantViolations,
  type MemoryRun,
  type MemoryRunOverrides,
} from '../support/memory-ports.js';
import { aContract } from '../support/scripted-broker.js';

/** Monday 23 November 2026, 09:35 New York: the first hourly run of the week. */
const MONDAY_0935 = '2026-11-23T14:35:00Z';
const FRIDAY_EVENING = '2026-11-20T17:00:00-05:00';
const THURSDAY_EVENING = '2026-11-19T17:00:00-05:00';
const WEIGHTS = { AAPL: 0.1, MSFT: 0.3, SPY: 0.2 };

function mondayRun(asOf: string, overrides: MemoryRunOverrides = {}): MemoryRun {
  return memoryRun({ now: MONDAY_0935, forecasts: [aForecastOf(WEIGHTS, { asOf })], ...overrides });
}

async function go(run: MemoryRun): Promise<RunResult> {
  const result = await runRebalance(run);
  expect(runInvariantViolations(run, result)).toEqual([]);
  return result;
}

const staleDetails = (result: { breaches: readonly { code: string; detail: string }[] }): string[] =>
  result.breaches.filter((b) => b.code === 'STALE_FORECAST').map((b) => b.detail);

/** aMarket()'s contracts with IB-style liquid hours: Friday 20 November closed (IB knows a closure we do not). */
function withFridayClosed(): Record<string, ContractInfo> {
  const hours = '20261119:0930-20261119:1600;20261120:CLOSED;20261123:0930-20261123:1600';
  return Object.fromEntries(['AAPL', 'MSFT', 'SPY'].map((s) => [s, aContract(s, { timeZone: 'US/Eastern', liquidHours: hours })] as const));
}

describe('forecast age in sessions, in a run', () => {
  it('a Monday 09:35 run trades on the file written Friday at 17:00 (64.6 hours old)', async () => {
    const run = mondayRun(FRIDAY_EVENING);
    const result = await go(run);
    expect(staleDetails(result)).toEqual([]);
    expect({ status: result.status, exitCode: result.exitCode }).toEqual({ status: 'ok', exitCode: 0 });
    expect(result.sent.map((o) => `${o.action} ${o.symbol}`)).toEqual(['SELL AAPL', 'BUY MSFT', 'BUY SPY']);
  });

  it('a file written Thursday at 17:00 is two sessions old on Monday: blocked, STALE_FORECAST names Friday’s session, alert', async () => {
    const run = mondayRun(THURSDAY_EVENING);
    const result = await go(run);
    expect({ status: result.status, exitCode: result.exitCode }).toEqual({ status: 'blocked', exitCode: 3 });
    expect(result.sent).toEqual([]);
    expect(run.broker.callsTo('placeOrder')).toEqual([]);
    expect(staleDetails(result)).toEqual([
      expect.stringMatching(
        /^forecasts\/trend\.json: asOf: forecast is 88\.58 hours .*1 trading session closed since asOf: 2026-11-20 \(Fri, 09:30-16:00 New York\); the limit is 1 session \(MAX_FORECAST_AGE_SESSIONS\)$/,
      ),
    ]);
    expect(run.mailer.alerts().map((m) => m.subject)).toEqual([expect.stringContaining('BLOCKED: STALE_FORECAST')]);
  });

  it('`rebalancer plan` (previewPlan) agrees with the run on both files', async () => {
    for (const [asOf, stale] of [
      [FRIDAY_EVENING, false],
      [THURSDAY_EVENING, true],
    ] as const) {
      const run = mondayRun(asOf);
      const preview = await previewPlan(run, run.settings, MONDAY_0935);
      expect(staleDetails(preview).length, asOf).toBe(stale ? 1 : 0);
      const result = await go(mondayRun(asOf));
      expect(staleDetails(result)).toEqual(staleDetails(preview));
    }
  });

  it('the sessions are the run’s: with IB’s liquid hours closing Friday, Thursday’s file is fresh on Monday', async () => {
    const market = aMarket();
    const run = mondayRun(THURSDAY_EVENING, { broker: { script: { ...market.script, contracts: withFridayClosed() } } });
    const result = await go(run);
    expect(staleDetails(result)).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.sent.length).toBe(3);
  });

  it('MAX_FORECAST_AGE_HOURS alone counts clock hours, as before: 26 blocks the Monday run and says how to count sessions', async () => {
    const run = mondayRun(FRIDAY_EVENING, { settings: { maxForecastAgeHours: 26 } });
    const result = await go(run);
    expect(result.exitCode).toBe(3);
    expect(staleDetails(result)).toEqual([expect.stringContaining('the limit is 26 hours (MAX_FORECAST_AGE_HOURS)')]);
    expect(staleDetails(result)[0]).toContain('unset it to count trading sessions instead');
  });

  it('a stale file’s tickers are not quoted, and nothing is traded in them', async () => {
    const run = mondayRun(THURSDAY_EVENING);
    await go(run);
    const quoted = run.broker.callsTo('quotes').flatMap(([symbols]) => symbols);
    expect(quoted).toEqual(['AAPL']); // the held position only
  });
});
