import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimBroker } from '../../src/adapters/sim/sim-broker.js';
import { conformsTo } from '../../src/core/limit-price.js';
import type { OrderRequest } from '../../src/core/types.js';
import { ConfigError } from '../../src/errors.js';
import { SEHK_INCREMENTS, TSEJ_INCREMENTS } from '../../src/sim/market-rules.js';
import { loadScenario, scenarioMarket } from '../../src/sim/scenario.js';
import { SimAccount, SimRejection } from '../../src/sim/sim-account.js';

/**
 * IB's market rules in the simulators: a listing whose increment varies with the price (SEHK's spread table, TSE's
 * bands) refuses a limit price off the increment of its own band with IB's error 110, as IB does, where before the
 * simulators took any multiple of one fixed minTick. Quotes and fills stay on the grid.
 */

/** Tuesday 24 November 2026, 10:00 in Hong Kong: SEHK's morning session. */
const HK_MORNING = '2026-11-24T02:00:00Z';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-rules-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(content: unknown): Promise<string> {
  const file = join(dir, 'scenario.json');
  await writeFile(file, JSON.stringify(content));
  return file;
}

/** An HKD account; Tencent (700) on SEHK around 400 HKD, quoted off the 0.20 grid as a careless scenario writes it. */
const HKD_ACCOUNT = {
  account: 'DU0000004',
  currency: 'HKD',
  cash: 1_000_000,
  quotes: { '700': { bid: 400.03, ask: 400.07, last: 400.2 } },
  contracts: { '700': { primaryExchange: 'SEHK', currency: 'HKD' } },
  fills: { partialFillProbability: 0 },
};

const buy700 = (limitPrice: number, action: 'BUY' | 'SELL' = 'BUY'): OrderRequest => ({
  orderRef: 'rb:t:700',
  symbol: '700',
  action,
  quantity: 100,
  limitPrice,
  adaptivePriority: 'Normal',
  primaryExchange: 'SEHK',
  currency: 'HKD',
});

function open(scenarioFile: string): SimAccount {
  return SimAccount.open({ dataDir: join(dir, 'data'), scenarioFile, now: HK_MORNING, commissionModel: 'fixed' });
}

describe('scenario contracts: priceIncrements', () => {
  it('SEHK and TSEJ listings follow their exchange’s table by default; others keep one minTick', async () => {
    const market = scenarioMarket(
      loadScenario(
        await write({
          quotes: { '700': { last: 400 }, '7203': { last: 2900 }, AAPL: { last: 190 } },
          contracts: { '700': { primaryExchange: 'SEHK' }, '7203': { primaryExchange: 'TSEJ' }, AAPL: { primaryExchange: 'NASDAQ' } },
        }),
      ),
    );
    expect(market.contract('700')).toMatchObject({ priceIncrements: SEHK_INCREMENTS, minTick: 0.001 });
    expect(market.contract('7203')).toMatchObject({ priceIncrements: TSEJ_INCREMENTS, minTick: 1 });
    expect(market.contract('AAPL')?.priceIncrements).toBeUndefined();
    expect(market.contract('AAPL')?.minTick).toBe(0.01);
  });

  it('takes a contract’s own bands', async () => {
    const bands = [
      { lowEdge: 0, increment: 0.25 },
      { lowEdge: 1000, increment: 1 },
    ];
    const market = scenarioMarket(
      loadScenario(
        await write({ quotes: { SHEL: { last: 3514 } }, contracts: { SHEL: { primaryExchange: 'LSE', priceIncrements: bands } } }),
      ),
    );
    expect(market.contract('SHEL')).toMatchObject({ priceIncrements: bands, minTick: 0.25 });
  });

  it.each([
    [[{ lowEdge: 1, increment: 0.01 }], /first band starts at 1, not 0/],
    [
      [
        { lowEdge: 0, increment: 0.01 },
        { lowEdge: 10, increment: 0.1 },
        { lowEdge: 5, increment: 1 },
      ],
      /band 3 starts at 5, not above 10/,
    ],
    [[{ lowEdge: 0, increment: 0 }], /band 1 has the increment 0/],
    [[], /no price bands/],
  ])('refuses bands %j, naming the field', async (bands, why) => {
    const file = await write({ contracts: { '700': { primaryExchange: 'SEHK', priceIncrements: bands } } });
    expect(() => loadScenario(file)).toThrow(ConfigError);
    expect(() => loadScenario(file)).toThrow(/contracts\.700\.priceIncrements: /);
    expect(() => loadScenario(file)).toThrow(why);
  });
});

describe('the simulated account on a market rule', () => {
  it('quotes bid and ask on the grid: the bid down, the ask up', async () => {
    const sim = open(await write(HKD_ACCOUNT));
    expect(sim.quote('700')).toMatchObject({ bid: 400, ask: 400.2 });
  });

  it('refuses a limit off its band’s increment with IB’s 110, takes one on it, and fills on the grid', async () => {
    const sim = open(await write(HKD_ACCOUNT));
    expect(() => sim.place(buy700(400.03))).toThrow(SimRejection);
    expect(() => sim.place(buy700(400.03))).toThrow(
      /The price does not conform to the minimum price variation for this contract: 700 limit 400.03, tick 0.2/,
    );
    // 400.05 is on the minTick (0.001) and on the 0.05 grid of lower bands, not on 0.20.
    expect(() => sim.place(buy700(400.05))).toThrow(/tick 0.2/);
    const placed = sim.place(buy700(400.2));
    expect(placed.status).toBe('Filled');
    const fills = sim.executionsSince('2026-11-24T00:00:00Z');
    expect(fills.length).toBeGreaterThan(0);
    for (const fill of fills) expect(conformsTo(SEHK_INCREMENTS, fill.price)).toBe(true);
  });

  it('refuses a change to a limit off the grid with 110 too', async () => {
    const sim = open(await write({ ...HKD_ACCOUNT, quotes: { '700': { bid: 399, ask: 401 } } }));
    const placed = sim.place(buy700(390));
    expect(placed.status).toBe('Submitted');
    const change = {
      symbol: '700',
      action: 'BUY' as const,
      quantity: 100,
      adaptive: true,
      adaptivePriority: 'Normal' as const,
      orderRef: 'rb:t:700',
    };
    expect(() => sim.modify(placed.orderId, { ...change, limitPrice: 390.1 }, { clientId: placed.clientId })).toThrow(/tick 0.2/);
    expect(sim.modify(placed.orderId, { ...change, limitPrice: 390.2 }, { clientId: placed.clientId }).order.limitPrice).toBe(390.2);
  });

  it('the sim broker gives the bands in its contract details', async () => {
    const broker = new SimBroker({
      dataDir: join(dir, 'data'),
      now: HK_MORNING,
      commissionModel: 'fixed',
      scenarioFile: await write(HKD_ACCOUNT),
    });
    await broker.connect();
    const contracts = await broker.contractDetails(['700'], {});
    expect(contracts['700']?.priceIncrements).toEqual(SEHK_INCREMENTS);
    await broker.disconnect();
  });
});
