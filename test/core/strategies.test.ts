import { describe, expect, it } from 'vitest';
import {
  checkMissingStrategies,
  missingStrategyOf,
  retireCommandFor,
  strategyUpdatesOf,
  type StrategyRecord,
} from '../../src/core/strategies.js';
import { planRebalance } from '../../src/core/plan-rebalance.js';
import { tradingStateFor } from '../../src/core/trading-state.js';
import type { Forecast } from '../../src/core/types.js';
import { aForecast, someInputs } from './builders.js';

const trend = aForecast({ file: 'forecasts/trend.json', strategy: 'trend', weights: { SPY: 0.5 }, capital: 0.5 });
const carry = aForecast({ file: 'forecasts/carry.json', strategy: 'carry', weights: { TLT: 0.5, GLD: 0.3 }, capital: 0.5 });

function known(over: Partial<StrategyRecord> = {}): StrategyRecord {
  return {
    name: 'carry',
    lastFile: 'forecasts/carry.json',
    firstSeenAt: '2026-11-20T14:35:00Z',
    firstRunId: 'r1',
    lastSeenAt: '2026-11-20T15:35:00Z',
    lastRunId: 'r2',
    lastSymbols: ['GLD', 'TLT'],
    ...over,
  };
}

const read = (
  forecasts: Forecast[],
  files = forecasts.map((f) => f.file),
  breaches = [] as { code: 'INVALID_FORECAST'; detail: string }[],
) => ({
  forecasts,
  files,
  breaches,
});

describe('the retire command the advice prints', () => {
  it('can be typed as printed, also for a name that starts with "-"', () => {
    expect(retireCommandFor('carry')).toBe('rebalancer retire carry --reason "why"');
    expect(retireCommandFor('-x')).toBe('rebalancer retire --reason "why" -- -x');
  });
});

describe('a strategy that traded before and has no file now', () => {
  it('is a STRATEGY_MISSING breach naming the strategy, its last file and its tickers, which halts the run', () => {
    const breaches = checkMissingStrategies(
      [known(), known({ name: 'trend', lastFile: 'forecasts/trend.json', lastSymbols: ['SPY'] })],
      read([trend]),
    );
    expect(breaches).toHaveLength(1);
    const [b] = breaches;
    expect(b?.code).toBe('STRATEGY_MISSING');
    expect(b?.detail).toContain('strategy "carry"');
    expect(b?.detail).toContain('forecasts/carry.json');
    expect(b?.detail).toContain('GLD, TLT');
    expect(b?.detail).toContain('rebalancer retire carry --reason');
    expect(tradingStateFor(breaches)).toBe('HALTED');
    expect(missingStrategyOf(b!)).toEqual({ name: 'carry', file: 'forecasts/carry.json' });
  });

  it('is not missing when its file moved (another file names it), nor once retired, nor when it never held a ticker', () => {
    const moved = { ...carry, file: 'forecasts/carry-v2.json' };
    expect(checkMissingStrategies([known()], read([trend, moved]))).toEqual([]);
    expect(checkMissingStrategies([known({ retired: { at: 'x', source: 'operator me', reason: 'closed' } })], read([trend]))).toEqual([]);
    expect(checkMissingStrategies([known({ lastSymbols: [] })], read([trend]))).toEqual([]);
  });

  it('is missing when its last file now names another strategy', () => {
    const renamed = { ...carry, strategy: 'carry2' };
    expect(checkMissingStrategies([known()], read([trend, renamed])).map((b) => b.code)).toEqual(['STRATEGY_MISSING']);
  });

  it('leaves a file that is there but unreadable or stale to its own breach, which already halts the run', () => {
    const unreadable = read(
      [trend],
      ['forecasts/carry.json', 'forecasts/trend.json'],
      [{ code: 'INVALID_FORECAST', detail: 'forecasts/carry.json: not JSON' }],
    );
    expect(checkMissingStrategies([known()], unreadable)).toEqual([]);
  });

  it('every missing strategy is named when the directory is empty', () => {
    const empty = read([], [], [{ code: 'INVALID_FORECAST', detail: 'no forecast files' }]);
    const both = [known(), known({ name: 'trend', lastFile: 'forecasts/trend.json', lastSymbols: ['SPY'] })];
    expect(checkMissingStrategies(both, empty).map((b) => missingStrategyOf(b)?.name)).toEqual(['carry', 'trend']);
  });
});

describe('what a plan teaches the records about strategies', () => {
  it('each strategy of the plan with the file it came from and the tickers it wants (weight not 0), sorted', () => {
    const withZero = { ...carry, weights: { TLT: 0.5, GLD: 0, AAPL: 0.1 } };
    expect(strategyUpdatesOf([], [withZero, trend]).sightings).toEqual([
      { name: 'carry', file: 'forecasts/carry.json', symbols: ['AAPL', 'TLT'] },
      { name: 'trend', file: 'forecasts/trend.json', symbols: ['SPY'] },
    ]);
  });

  it('a file whose every weight is 0 retires its strategy (once), a file with weights brings it back', () => {
    const nothing = { ...carry, weights: { TLT: 0, GLD: 0 } };
    const updates = strategyUpdatesOf([known()], [nothing, trend]);
    expect(updates.retirements).toEqual([{ name: 'carry', reason: 'forecasts/carry.json holds no ticker with a weight other than 0' }]);
    const retired = known({ lastSymbols: [], retired: { at: 'x', source: 'run r3', reason: 'held none' } });
    expect(strategyUpdatesOf([retired], [nothing, trend]).retirements).toEqual([]);
  });
});

describe('planning with a missing strategy', () => {
  it('sends no order at all: neither SELL of its tickers nor anything else', () => {
    const breaches = checkMissingStrategies([known({ lastSymbols: ['AAPL'] })], read([]));
    const plan = planRebalance(
      someInputs({ forecasts: [aForecast({ weights: { MSFT: 0.1 } })], managedSymbols: ['AAPL'], priorBreaches: breaches }),
    );
    expect(plan.tradingState).toBe('HALTED');
    expect(plan.lines.filter((l) => l.action !== 'NONE')).toEqual([]);
    expect(plan.breaches.map((b) => b.code)).toContain('STRATEGY_MISSING');
  });
});
