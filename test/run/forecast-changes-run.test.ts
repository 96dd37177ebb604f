/**
 * The "why" of a run at the level of the strategy: each run (not a dry run) records the valid forecasts it planned
 * with, and says before its plan what changed since the last run that recorded them.
 */
import { describe, expect, it } from 'vitest';
import { runRebalance } from '../../src/run/rebalance-run.js';
import { aForecastOf, aMarket, memoryRun, MemoryForecastSource } from '../support/memory-ports.js';
import { memoryStores } from '../support/memory-store.js';
import { aContract, aQuote } from '../support/scripted-broker.js';
import type { Forecast } from '../../src/core/types.js';

const LATER = '2026-11-23T16:30:00Z';
const WEIGHTS = { AAPL: 0.1, MSFT: 0.3, SPY: 0.2 };

function brokerWithNvda(): { script: ReturnType<typeof aMarket>['script'] } {
  const { script } = aMarket();
  return {
    script: {
      ...script,
      contracts: { ...script.contracts, NVDA: aContract('NVDA') },
      quotes: { ...script.quotes, NVDA: aQuote('NVDA', 180) },
    },
  };
}

/** The lines printed between "== what changed since the last run" and the next section. */
function changesPrinted(lines: readonly string[]): string[] {
  const at = lines.indexOf('\n== what changed since the last run');
  expect(at).toBeGreaterThanOrEqual(0);
  const next = lines.findIndex((l, i) => i > at && l.startsWith('\n== '));
  expect(lines[next]).toBe('\n== plan');
  return lines.slice(at + 1, next);
}

describe('what changed since the last run, in a run', () => {
  it('two runs: the first records its forecast; the second, with leverage raised and NVDA added, says so before its plan', async () => {
    const stores = memoryStores();
    const first = memoryRun({ stores, broker: brokerWithNvda() });
    const r1 = await runRebalance(first);
    expect(r1.exitCode, first.lines.join('\n')).toBe(0);
    expect(r1.forecastChanges).toEqual([
      'trend.json: first forecast (none recorded before): leverage 1.00, capital 100.0%, 3 tickers: MSFT 30.0%, SPY 20.0%, AAPL 10.0%',
    ]);
    expect(changesPrinted(first.lines)).toEqual(r1.forecastChanges);
    expect(stores.store.latestForecasts().map((f) => [f.runId, f.leverage])).toEqual([[first.runId, 1]]);

    const raised = aForecastOf({ ...WEIGHTS, NVDA: 0.1 }, { leverage: 1.2, asOf: '2026-11-23T16:00:00Z' });
    const second = memoryRun({ stores, now: LATER, broker: brokerWithNvda(), forecasts: [raised] });
    const r2 = await runRebalance(second);
    expect(r2.exitCode, second.lines.join('\n')).toBe(0);
    expect(r2.forecastChanges).toEqual(['trend.json: leverage 1.00 -> 1.20; added NVDA (10.0%)']);
    expect(changesPrinted(second.lines)).toEqual(r2.forecastChanges);
    // The plan that follows buys the NVDA the forecast added.
    expect(r2.plan?.lines.find((l) => l.symbol === 'NVDA')?.action).toBe('BUY');
    expect(stores.store.latestForecasts().map((f) => [f.runId, f.leverage])).toEqual([[second.runId, 1.2]]);

    // The same file again, rewritten with a new asOf only: no change.
    const again = memoryRun({
      stores,
      now: '2026-11-23T17:30:00Z',
      broker: brokerWithNvda(),
      forecasts: [{ ...raised, asOf: '2026-11-23T17:00:00Z' }],
    });
    const r3 = await runRebalance(again);
    expect(r3.forecastChanges).toEqual([]);
    expect(changesPrinted(again.lines)).toEqual(['no change in the forecasts since the last run']);
  });

  it('a dry run says what changed but records nothing', async () => {
    const stores = memoryStores();
    const dry = memoryRun({ stores, dryRun: true });
    const result = await runRebalance(dry);
    expect(result.exitCode, dry.lines.join('\n')).toBe(0);
    expect(result.forecastChanges?.[0]).toMatch(/^trend\.json: first forecast \(none recorded before\)/);
    expect(stores.db.forecasts).toEqual([]);
    // The next real run still compares with nothing recorded.
    const real = memoryRun({ stores, now: LATER });
    expect((await runRebalance(real)).forecastChanges?.[0]).toMatch(/^trend\.json: first forecast/);
    expect(stores.db.forecasts.map((f) => f.runId)).toEqual([real.runId]);
  });

  it('an INVALID forecast is not recorded, and its strategy is said to be missing from this run', async () => {
    const stores = memoryStores();
    const carry: Forecast = aForecastOf({ SPY: 0.5 }, { strategy: 'carry', file: 'forecasts/carry.json', capital: 0.5 });
    const trend: Forecast = aForecastOf(WEIGHTS, { capital: 0.5 });
    const first = memoryRun({ stores, forecasts: [trend, carry] });
    expect((await runRebalance(first)).exitCode, first.lines.join('\n')).toBe(0);

    // carry.json is now unreadable: the reader keeps trend only, with the breach.
    const source = new MemoryForecastSource({
      forecasts: [trend],
      files: ['forecasts/carry.json', 'forecasts/trend.json'],
      breaches: [{ code: 'INVALID_FORECAST', detail: 'forecasts/carry.json: weights.SPY: expected a number' }],
    });
    const second = memoryRun({ stores, now: LATER, forecasts: source });
    const result = await runRebalance(second);
    expect(result.status).toBe('blocked');
    expect(result.forecastChanges).toEqual([
      "carry.json: not in this run's forecasts (its file missing, invalid or stale): nothing recorded for it",
    ]);
    // The alert of the blocked run says it too, in both parts.
    const alerts = second.mailer.alerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.text).toContain('What changed in the forecasts:');
    expect(alerts[0]?.text).toContain("carry.json: not in this run's forecasts");
    expect(alerts[0]?.html).toContain('What changed in the forecasts');
    expect(stores.db.forecasts.filter((f) => f.runId === second.runId).map((f) => f.strategy)).toEqual(['trend']);
    // carry's latest record is still the first run's.
    expect(stores.store.latestForecasts().map((f) => [f.strategy, f.runId])).toEqual([
      ['carry', first.runId],
      ['trend', second.runId],
    ]);
  });
});
