import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BROKER_ORDER_STATUSES } from '../../src/core/order-status.js';
import type { OrderRequest } from '../../src/core/types.js';
import { SimAccount, SimRejection, SimStateError, type SimAccountOptions } from '../../src/sim/sim-account.js';
import { loadState, stateFile } from '../../src/sim/state-file.js';

/**
 * The simulated market both faces drive (the `sim` broker and the simulated gateway): opening, client-chosen
 * order ids, the venue's refusals as IB codes, cancels, advancing, and the state file it keeps.
 */

// Wednesday 2026-01-14 (EST): 12:00 New York is inside the session, 09:00 before it, 16:30 after it.
const MIDDAY = '2026-01-14T17:00:00Z';
const BEFORE_OPEN = '2026-01-14T14:00:00Z';
const AFTER_CLOSE = '2026-01-14T21:30:00Z';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-account-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const data = () => join(dir, 'data');

async function scenario(): Promise<string> {
  const file = join(dir, 'scenario.json');
  await writeFile(
    file,
    JSON.stringify({
      positions: { AAPL: { quantity: 100, avgCost: 150 } },
      quotes: { AAPL: { bid: 189.98, ask: 190.02, last: 190.0, close: 188.5 }, MSFT: { bid: 419.9, ask: 420.1 } },
      contracts: { AAPL: { minTick: 0.01, primaryExchange: 'NASDAQ' } },
      fills: { partialFillProbability: 0 },
      rejectSymbols: ['MSFT'],
    }),
  );
  return file;
}

const open = (now: string, extra: Partial<SimAccountOptions> = {}) =>
  SimAccount.open({ dataDir: data(), now, commissionModel: 'fixed', ...extra });

const request = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  orderRef: 'rb:run-1:AAPL',
  symbol: 'AAPL',
  action: 'BUY',
  quantity: 10,
  limitPrice: 190.1,
  adaptivePriority: 'Normal',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
  ...over,
});

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

describe('SimAccount', () => {
  it('says whether opening created the simulation, and keeps it in <dataDir>/sim/state.json', async () => {
    const first = open(BEFORE_OPEN);
    expect(first.created).toBe(true);
    expect(existsSync(join(data(), 'sim', 'state.json'))).toBe(true);
    expect(stateFile(data())).toBe(join(data(), 'sim', 'state.json'));
    expect(open(MIDDAY).created).toBe(false);
  });

  it('writes the state as pretty JSON with a final newline, and reads it back unchanged', async () => {
    const sim = open(MIDDAY, { scenarioFile: await scenario() });
    sim.place(request());
    const text = await readFile(stateFile(data()), 'utf8');
    expect(text).toBe(`${JSON.stringify(sim.state, null, 2)}\n`);
    expect(loadState(data())).toEqual(sim.state);
  });

  it('places under the id a client chose, stamps its client, and offers the next id above every id used', async () => {
    const sim = open(BEFORE_OPEN, { scenarioFile: await scenario() });
    const placed = sim.place(request(), { orderId: 40, clientId: 7, adaptive: false });
    expect(placed).toMatchObject({ orderId: 40, clientId: 7, status: 'PreSubmitted', adaptivePriority: undefined, filled: 0 });
    expect(sim.state.nextOrderId).toBe(41);
    const own = sim.place(request({ orderRef: 'own' }));
    expect(own).toMatchObject({ orderId: 41, clientId: 0, adaptivePriority: 'Normal' });
    const duplicate = thrown(() => sim.place(request(), { orderId: 40, clientId: 7, adaptive: true }));
    expect(duplicate).toBeInstanceOf(SimRejection);
    expect(duplicate).toMatchObject({ code: 103 });
  });

  it('refuses what the venue refuses, with IB codes, and keeps nothing of it', async () => {
    const sim = open(MIDDAY, { scenarioFile: await scenario() });
    const code = (over: Partial<OrderRequest>) => (thrown(() => sim.place(request(over))) as SimRejection).code;
    expect(code({ symbol: 'TSLA' })).toBe(200);
    expect(code({ symbol: 'MSFT' })).toBe(201);
    expect(code({ quantity: 2.5 })).toBe(201);
    expect(code({ limitPrice: 190.005 })).toBe(110);
    expect(sim.state.orders).toEqual([]);
  });

  it('fills a marketable order inside the session at once, and books it', async () => {
    const sim = open(MIDDAY, { scenarioFile: await scenario() });
    const placed = sim.place(request());
    expect(placed).toMatchObject({ status: 'Filled', filled: 10 });
    expect(sim.executionsSince(MIDDAY)).toHaveLength(1);
    expect(sim.positions()).toEqual([{ account: 'DU0000001', symbol: 'AAPL', quantity: 110, avgCost: expect.any(Number) }]);
    expect(sim.openOrders()).toEqual([]);
  });

  it('cancels an open order once; an unknown or final order is left as it is', async () => {
    const sim = open(BEFORE_OPEN, { scenarioFile: await scenario() });
    const placed = sim.place(request());
    expect(sim.cancel(999)).toBe(false);
    expect(sim.cancel(placed.orderId)).toBe(true);
    expect(sim.order(placed.orderId)).toMatchObject({ status: 'Cancelled', message: 'cancelled by the client' });
    expect(sim.cancel(placed.orderId)).toBe(false);
    expect(loadState(data())?.orders[0]?.status).toBe('Cancelled');
  });

  it('advances: an order placed before the open works at the open and expires at the close; never backwards', async () => {
    const sim = open(BEFORE_OPEN, { scenarioFile: await scenario() });
    const resting = sim.place(request({ limitPrice: 150 }));
    sim.advanceTo(MIDDAY);
    expect(sim.now).toBe(MIDDAY);
    expect(sim.order(resting.orderId)?.status).toBe('Submitted');
    sim.advanceTo(BEFORE_OPEN);
    expect(sim.now).toBe(MIDDAY);
    sim.advanceTo(AFTER_CLOSE);
    expect(sim.order(resting.orderId)).toMatchObject({ status: 'Cancelled', message: 'expired at the close (DAY)' });
    expect(loadState(data())?.clock).toBe(AFTER_CLOSE);
  });

  it('refuses to open a simulation it cannot continue, naming the file', async () => {
    open(MIDDAY);
    const back = thrown(() => open(BEFORE_OPEN));
    expect(back).toBeInstanceOf(SimStateError);
    expect((back as Error).message).toMatch(/state\.json: the simulated market is already at .*cannot go back/);
    const file = await scenario();
    expect(thrown(() => open(MIDDAY, { scenarioFile: file }))).toMatchObject({
      name: 'SimStateError',
      message: expect.stringMatching(/seeded from the built-in universe/),
    });
    await writeFile(stateFile(data()), '{ not json');
    const corrupt = thrown(() => open(MIDDAY));
    expect(corrupt).toBeInstanceOf(SimStateError);
    expect((corrupt as Error).message).toMatch(/corrupt simulator state/);
  });

  it('keeps the order statuses of the core vocabulary: a record-only status is a corrupt state', async () => {
    const sim = open(BEFORE_OPEN, { scenarioFile: await scenario() });
    sim.place(request());
    const text = await readFile(stateFile(data()), 'utf8');
    expect(BROKER_ORDER_STATUSES).toContain(loadState(data())?.orders[0]?.status);
    await writeFile(stateFile(data()), text.replace('"PreSubmitted"', '"NotSent"'));
    expect(() => loadState(data())).toThrow(/corrupt simulator state \(orders\.0\.status/);
  });

  it('in read-only mode changes only what it holds in memory', async () => {
    const sim = open(MIDDAY, { readOnly: true });
    sim.place(request({ symbol: 'SPY', limitPrice: 1000, primaryExchange: 'ARCA' }));
    expect(sim.state.orders).toHaveLength(1);
    expect(existsSync(stateFile(data()))).toBe(false);
  });
});
