/**
 * MAX_TICKERS: a forecast universe larger than the cap is refused while the files are read, before the broker is
 * asked for a single contract or quote of it (a 100,000-ticker file once took a run 60 s and 2.8 GB).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkUniverse } from '../../src/forecast/check-forecast-set.js';
import { DEFAULT_MAX_TICKERS, parseForecast } from '../../src/forecast/parse-forecast.js';
import { readForecasts } from '../../src/forecast/read-forecasts.js';
import type { Broker } from '../../src/ports/broker.js';
import { SimBroker } from '../../src/adapters/sim/sim-broker.js';
import { writeForecast } from '../support/cli.js';
import { hourlyRun } from '../support/run-harness.js';
import { aForecast } from '../core/builders.js';

const NOW = '2026-11-23T15:35:00Z';

function weightsOf(count: number, prefix = 'T'): Record<string, number> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, 0.5 / count]));
}
const text = (weights: Record<string, number>): string => JSON.stringify({ strategy: 'wide', asOf: NOW, leverage: 1, weights });

describe('one forecast file with more tickers than MAX_TICKERS', () => {
  it('is INVALID_FORECAST naming the file, the count and the variable; the cap itself is accepted', () => {
    expect(DEFAULT_MAX_TICKERS).toBe(1000);
    const over = parseForecast('forecasts/wide.json', text(weightsOf(1001)));
    expect(over.ok).toBe(false);
    expect(!over.ok && over.errors).toEqual([
      {
        code: 'INVALID_FORECAST',
        detail: 'forecasts/wide.json: weights: 1001 tickers, more than MAX_TICKERS (1000); split the universe or raise MAX_TICKERS',
      },
    ]);
    expect(parseForecast('forecasts/wide.json', text(weightsOf(1000))).ok).toBe(true);
    expect(parseForecast('forecasts/wide.json', text(weightsOf(5)), { maxTickers: 4 }).ok).toBe(false);
  });

  it('a 100,000-ticker file is refused fast, with one message, not one per ticker', () => {
    const started = performance.now();
    const result = parseForecast('forecasts/wide.json', text(weightsOf(100_000)));
    expect(!result.ok && result.errors.map((e) => e.detail)).toEqual([
      expect.stringContaining('100000 tickers, more than MAX_TICKERS (1000)'),
    ]);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('the files together naming more tickers than MAX_TICKERS', () => {
  it('checkUniverse: INVALID_FORECAST naming the count, the cap and each file', () => {
    const a = aForecast({ file: 'forecasts/a.json', weights: weightsOf(3, 'A') });
    const b = aForecast({ file: 'forecasts/b.json', strategy: 'b', weights: { ...weightsOf(2, 'B'), A0: 0.1 } });
    expect(checkUniverse([a, b], 5)).toBeUndefined();
    expect(checkUniverse([a, b], 4)).toEqual({
      code: 'INVALID_FORECAST',
      detail: 'the forecast files together name 5 tickers, more than MAX_TICKERS (4): forecasts/a.json 3, forecasts/b.json 3',
    });
  });

  it('readForecasts returns no forecast to trade on (so no ticker of theirs is priced)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebalancer-universe-'));
    writeForecast(dir, 'a.json', { strategy: 'a', asOf: NOW, leverage: 1, capital: 0.5, weights: weightsOf(600, 'A') });
    writeForecast(dir, 'b.json', { strategy: 'b', asOf: NOW, leverage: 1, capital: 0.5, weights: weightsOf(600, 'B') });
    const read = await readForecasts(dir, NOW);
    expect(read.forecasts).toEqual([]);
    expect(read.breaches.map((b) => b.detail)).toEqual([
      `the forecast files together name 1200 tickers, more than MAX_TICKERS (1000): ${join(dir, 'a.json')} 600, ${join(dir, 'b.json')} 600`,
    ]);
  });
});

describe('a run with a forecast past MAX_TICKERS', () => {
  it('blocks, names the file and the count, and never asks the broker for their contracts or quotes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rebalancer-max-tickers-'));
    mkdirSync(join(root, 'forecasts'));
    writeForecast(join(root, 'forecasts'), 'wide.json', { strategy: 'wide', asOf: NOW, leverage: 1, weights: weightsOf(1001) });
    const asked: string[] = [];
    const logging = (dataDir: string, now: string): Broker => {
      const sim = new SimBroker({ dataDir, seed: 7, now, commissionModel: 'fixed' });
      return new Proxy(sim, {
        get(target, key, receiver) {
          const value: unknown = Reflect.get(target, key, receiver);
          if ((key === 'contractDetails' || key === 'quotes') && typeof value === 'function') {
            return (symbols: string[], ...rest: unknown[]) => {
              asked.push(...symbols);
              return Reflect.apply(value, target, [symbols, ...rest]);
            };
          }
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    };
    const result = await hourlyRun(root, NOW, { broker: logging });
    expect(result.exitCode).toBe(3);
    expect(result.sent).toEqual([]);
    expect(result.plan?.breaches.map((b) => b.detail)).toContainEqual(
      `${join(root, 'forecasts', 'wide.json')}: weights: 1001 tickers, more than MAX_TICKERS (1000); split the universe or raise MAX_TICKERS`,
    );
    expect(
      asked.filter((s) => /^T\d+$/.test(s)),
      'no contract or quote asked for a ticker of the refused file',
    ).toEqual([]);
  });
});
