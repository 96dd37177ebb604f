import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimBroker } from '../../src/adapters/sim/sim-broker.js';
import type { OrderRequest } from '../../src/core/types.js';
import { ConfigError } from '../../src/errors.js';
import { loadScenario, scenarioMarket } from '../../src/sim/scenario.js';
import { SimAccount, SimRejection } from '../../src/sim/sim-account.js';

/**
 * LSE lines quoted in pence (IB: currency GBP, priceMagnifier 100): the scenario field, and the simulated account
 * booking them as IB does: quotes, limits and execution prices in pence; cash, commission, average cost, marks and
 * NLV in pounds.
 */

// Monday 23 November 2026, 15:00 in London: the LSE session is open.
const NOW = '2026-11-23T15:00:00Z';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-pence-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(content: unknown): Promise<string> {
  const file = join(dir, 'scenario.json');
  await writeFile(file, JSON.stringify(content));
  return file;
}

const LSE = { primaryExchange: 'LSE', currency: 'GBP', timeZone: 'GB-Eire', hours: {} };

/** A GBP account: 10,000 GBP, 50 VOD bought at 0.70 GBP; SHEL quoted at 3514 pence, VOD at 72 pence. */
const GBP_ACCOUNT = {
  account: 'DU0000003',
  currency: 'GBP',
  cash: 10_000,
  positions: { VOD: { quantity: 50, avgCost: 0.7 } },
  quotes: { SHEL: { bid: 3514, ask: 3514, last: 3514, close: 3500 }, VOD: { bid: 72, ask: 72, last: 72 }, TINY: { bid: 10, ask: 10 } },
  contracts: {
    SHEL: { ...LSE, priceMagnifier: 100, minTick: 0.5 },
    VOD: { ...LSE, priceMagnifier: 100, minTick: 0.02 },
    TINY: { ...LSE, priceMagnifier: 100, minTick: 0.01 },
  },
  fills: { partialFillProbability: 0 },
};

const buy = (symbol: string, quantity: number, limitPrice: number): OrderRequest => ({
  orderRef: `rb:t:${symbol}`,
  symbol,
  action: 'BUY',
  quantity,
  limitPrice,
  adaptivePriority: 'Normal',
  primaryExchange: 'LSE',
  currency: 'GBP',
});

function open(scenarioFile: string): SimAccount {
  return SimAccount.open({ dataDir: join(dir, 'data'), scenarioFile, now: NOW, commissionModel: 'fixed' });
}

describe('scenario contracts: priceMagnifier', () => {
  it('takes a positive whole number onto the contract; 1 or none leaves the contract without one', async () => {
    const scenario = loadScenario(
      await write({
        quotes: { A: { last: 3514 }, B: { last: 35.14 }, C: { last: 35.14 } },
        contracts: { A: { currency: 'GBP', priceMagnifier: 100 }, B: { currency: 'GBP', priceMagnifier: 1 }, C: { currency: 'GBP' } },
      }),
    );
    const market = scenarioMarket(scenario);
    expect(market.contract('A')).toMatchObject({ currency: 'GBP', priceMagnifier: 100, minTick: 0.01 });
    expect(market.contract('B')).not.toHaveProperty('priceMagnifier');
    expect(market.contract('C')).not.toHaveProperty('priceMagnifier');
  });

  it.each([0, -100, 2.5, '100', null])('refuses a priceMagnifier of %j, naming the field', async (value) => {
    const file = await write({ contracts: { SHEL: { currency: 'GBP', priceMagnifier: value } } });
    expect(() => loadScenario(file)).toThrow(ConfigError);
    expect(() => loadScenario(file)).toThrow(/contracts\.SHEL\.priceMagnifier: expected a positive whole number/);
  });

  it('defaults the tick of a line known only by a position from its average cost in pounds, in pence', async () => {
    const scenario = loadScenario(
      await write({ positions: { CHEAP: { quantity: 10, avgCost: 0.5 } }, contracts: { CHEAP: { currency: 'GBP', priceMagnifier: 100 } } }),
    );
    // 0.50 GBP is 50 pence: a price above 1, so the tick is 0.01 (pence), not the sub-unit 0.0001.
    expect(scenarioMarket(scenario).contract('CHEAP')?.minTick).toBe(0.01);
  });
});

describe('the simulated account: a line quoted in pence', () => {
  it('a fill of 100 at 3514 pence moves the GBP cash by 3514.00 GBP and the commission, not by 351,400', async () => {
    const sim = open(await write(GBP_ACCOUNT));
    expect(sim.quote('SHEL')).toMatchObject({ last: 3514 });
    const order = sim.place(buy('SHEL', 100, 3514));
    expect(order).toMatchObject({ status: 'Filled', filled: 100, avgFillPrice: 3514, limitPrice: 3514 });
    const [execution] = sim.executionsSince(NOW);
    // IB's fixed schedule: 100 x 0.005 = 0.50, at least 1.00 (in the contract's currency).
    expect(execution).toMatchObject({ symbol: 'SHEL', quantity: 100, price: 3514, commission: 1 });
    expect(sim.state.cash).toBe(10_000 - 3_514 - 1);
    // The average cost in pounds per share, the commission in it (35.14 + 1.00 / 100), as IB reports it.
    expect(sim.positions().find((p) => p.symbol === 'SHEL')).toEqual({
      account: 'DU0000003',
      symbol: 'SHEL',
      quantity: 100,
      avgCost: 35.15,
    });
    // NLV: cash 6,485 + 100 SHEL at 35.14 + 50 VOD at 0.72 = 9,999 + 36.
    const summary = sim.summary();
    expect(summary.currency).toBe('GBP');
    expect(summary.totalCash).toBe(6_485);
    expect(summary.grossPositionValue).toBe(3_514 + 36);
    expect(summary.netLiquidation).toBe(6_485 + 3_514 + 36);
  });

  it('reckons the commission on the value in pounds (1% of it caps the fixed minimum)', async () => {
    const sim = open(await write(GBP_ACCOUNT));
    sim.place(buy('TINY', 100, 10));
    // 100 at 10 pence is 10.00 GBP: the fixed 1.00 minimum is capped at 1% of it, 0.10 (in pence it would be 1.00).
    expect(sim.executionsSince(NOW)[0]).toMatchObject({ price: 10, commission: 0.1 });
    expect(sim.state.cash).toBe(10_000 - 10 - 0.1);
  });

  it('validates a limit against the tick in pence (IB 110), and a sale realises P&L in pounds', async () => {
    const sim = open(await write(GBP_ACCOUNT));
    expect(() => sim.place(buy('SHEL', 100, 3514.25))).toThrow(SimRejection);
    expect(() => sim.place(buy('SHEL', 100, 3514.25))).toThrow(/tick 0\.5/);
    const sale = sim.place({ ...buy('VOD', 50, 72), action: 'SELL' });
    expect(sale).toMatchObject({ status: 'Filled', avgFillPrice: 72 });
    // 50 x 0.72 = 36.00 GBP in, less the commission (the 1% cap, 0.36, and the US sale fees the model passes on);
    // the position bought at 0.70 GBP (35.00) realises 36.00 - 35.00 - commission.
    const [sold] = sim.executionsSince(NOW);
    expect(sold).toMatchObject({ price: 72 });
    const commission = sold?.commission ?? Number.NaN;
    expect(commission).toBeGreaterThanOrEqual(0.36);
    expect(commission).toBeLessThan(0.4);
    expect(sim.state.cash).toBe(10_000 + 36 - commission);
    expect(sim.state.positions.VOD?.quantity).toBe(0);
    expect(sim.state.positions.VOD?.realizedPnl).toBeCloseTo(1 - commission, 8);
  });

  it('in a USD account, the fill moves the GBP cash in pounds and the NLV in dollars at the rate', async () => {
    const sim = open(await write({ ...GBP_ACCOUNT, currency: 'USD', cash: { USD: 20_000 }, positions: {}, exchangeRates: { GBP: 1.25 } }));
    sim.place(buy('SHEL', 100, 3514));
    expect(sim.state.foreignCash).toEqual({ GBP: -3_515 });
    expect(sim.state.cash).toBe(20_000);
    const summary = sim.summary();
    // -3,515 GBP + 100 x 35.14 GBP = -1 GBP, at 1.25.
    expect(summary.netLiquidation).toBe(20_000 - 1.25);
    expect(summary.cashLedger?.balances).toEqual([
      { currency: 'USD', cash: 20_000, exchangeRate: 1 },
      { currency: 'GBP', cash: -3_515, exchangeRate: 1.25 },
    ]);
  });

  it('the sim broker reports the magnifier in its contract details, and quotes in pence', async () => {
    const broker = new SimBroker({
      dataDir: join(dir, 'data'),
      now: NOW,
      commissionModel: 'fixed',
      scenarioFile: await write(GBP_ACCOUNT),
    });
    await broker.connect();
    const contracts = await broker.contractDetails(['SHEL'], {});
    expect(contracts.SHEL).toMatchObject({ symbol: 'SHEL', currency: 'GBP', primaryExchange: 'LSE', priceMagnifier: 100, minTick: 0.5 });
    expect((await broker.quotes(['SHEL'], contracts)).SHEL).toMatchObject({ bid: 3514, ask: 3514, last: 3514 });
    expect(await broker.positions('DU0000003')).toEqual([{ account: 'DU0000003', symbol: 'VOD', quantity: 50, avgCost: 0.7 }]);
    await broker.disconnect();
  });
});
