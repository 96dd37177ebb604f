import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadScenario, scenarioMarket } from '../../src/sim/scenario.js';
import { ConfigError } from '../../src/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-scenario-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(content: unknown): Promise<string> {
  const file = join(dir, 'scenario.json');
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const valid = {
  account: 'DU0000001',
  currency: 'USD',
  cash: 100000,
  positions: { AAPL: { quantity: 100, avgCost: 150.0 } },
  quotes: { AAPL: { bid: 189.98, ask: 190.02, last: 190.0, close: 188.5 } },
  contracts: { AAPL: { minTick: 0.01, primaryExchange: 'NASDAQ', currency: 'USD' } },
};

describe('loadScenario', () => {
  it('reads the design document example and fills defaults', async () => {
    const s = loadScenario(await write(valid));
    expect(s.positions.AAPL).toEqual({ quantity: 100, avgCost: 150 });
    expect(s.fills).toEqual({});
    expect(s.rejectSymbols).toEqual([]);
    expect(s.seed).toBeUndefined();
  });

  it('accepts the optional seed, fills and rejectSymbols', async () => {
    const s = loadScenario(
      await write({ ...valid, seed: 7, fills: { partialFillProbability: 0.3, maxStepValue: 5000 }, rejectSymbols: ['XYZ'] }),
    );
    expect(s.seed).toBe(7);
    expect(s.fills.partialFillProbability).toBe(0.3);
    expect(s.rejectSymbols).toEqual(['XYZ']);
  });

  it.each([
    [{ ...valid, quotes: { AAPL: { bid: -1, ask: 190 } } }, 'quotes.AAPL.bid: expected a finite number > 0'],
    [{ ...valid, quotes: { AAPL: { bid: 'x', ask: 190 } } }, 'quotes.AAPL.bid: expected a finite number > 0'],
    [{ ...valid, quotes: { AAPL: { bid: 191, ask: 190 } } }, 'quotes.AAPL.bid: bid is above ask'],
    [{ ...valid, positions: { AAPL: { quantity: 1.5, avgCost: 1 } } }, 'positions.AAPL.quantity: expected a whole number'],
    [{ ...valid, extra: 1 }, 'extra: unknown field'],
    [{ ...valid, quotes: { AAPL: { bid: 1, ask: 2, mid: 1.5 } } }, 'quotes.AAPL.mid: unknown field'],
    [{ ...valid, fills: { partialFillProbability: 2 } }, 'fills.partialFillProbability: expected a number in 0..1'],
    [{ ...valid, quotes: { aapl: { bid: 1, ask: 2 } } }, 'quotes.aapl: expected an upper-case ticker'],
    [{ ...valid, cash: '100' }, 'cash: expected a finite number'],
  ])('names the file, the field and the problem (%#)', async (content, message) => {
    const file = await write(content);
    expect(() => loadScenario(file)).toThrow(ConfigError);
    expect(() => loadScenario(file)).toThrow(`${file}: ${message}`);
  });

  it('reports a file that is not JSON, or missing', async () => {
    const file = await write('{ "cash": ');
    expect(() => loadScenario(file)).toThrow(new RegExp(`^${file}: not valid JSON`));
    expect(() => loadScenario(join(dir, 'nope.json'))).toThrow(/nope\.json: cannot read the scenario/);
  });
});

describe('scenarioMarket', () => {
  it('knows the tickers named anywhere, quotes only those with a quote, and defaults the tick by price', async () => {
    const s = loadScenario(
      await write({
        positions: { OLD: { quantity: 10, avgCost: 5 } },
        quotes: { AAPL: { bid: 189.98, ask: 190.02 }, PENY: { last: 0.42 } },
        contracts: { NOQ: { primaryExchange: 'ARCA' } },
      }),
    );
    const m = scenarioMarket(s);
    expect(m.symbols().sort()).toEqual(['AAPL', 'NOQ', 'OLD', 'PENY']);
    expect(m.quoteAt('AAPL', '2026-01-14T15:00:00Z')).toEqual({ symbol: 'AAPL', bid: 189.98, ask: 190.02 });
    expect(m.quoteAt('NOQ', '2026-01-14T15:00:00Z')).toBeUndefined();
    expect(m.contract('PENY')?.minTick).toBe(0.0001);
    expect(m.contract('AAPL')).toEqual({ symbol: 'AAPL', minTick: 0.01, primaryExchange: 'NYSE', currency: 'USD' });
    expect(m.contract('NOQ')?.primaryExchange).toBe('ARCA');
    expect(m.contract('MSFT')).toBeUndefined();
  });
});
