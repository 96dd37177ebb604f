import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimBroker, type SimBrokerOptions } from '../../src/adapters/sim/sim-broker.js';
import { stateFile } from '../../src/sim/state-file.js';
import { roundToTick } from '../../src/sim/universe.js';
import { estimateCommission } from '../../src/core/commission.js';
import type { OrderRequest } from '../../src/core/types.js';
import { BrokerError } from '../../src/ports/broker.js';

// Wednesday 2026-01-14 (EST): 12:00 New York is inside the session, 09:00 before it.
const MIDDAY = '2026-01-14T17:00:00Z';
const BEFORE_OPEN = '2026-01-14T14:00:00Z';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-broker-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const baseScenario = {
  account: 'DU0000001',
  currency: 'USD',
  cash: 100000,
  positions: { AAPL: { quantity: 100, avgCost: 150 } },
  quotes: { AAPL: { bid: 189.98, ask: 190.02, last: 190.0, close: 188.5 }, MSFT: { bid: 419.9, ask: 420.1 } },
  contracts: { AAPL: { minTick: 0.01, primaryExchange: 'NASDAQ', currency: 'USD' }, NOQT: { primaryExchange: 'NYSE' } },
  fills: { partialFillProbability: 0 },
  rejectSymbols: ['MSFT'],
};

async function scenario(content: object = baseScenario): Promise<string> {
  const file = join(dir, 'scenario.json');
  await writeFile(file, JSON.stringify(content));
  return file;
}

async function open(now: string, extra: Partial<SimBrokerOptions> = {}): Promise<SimBroker> {
  const broker = new SimBroker({ dataDir: join(dir, 'data'), now, commissionModel: 'fixed', ...extra });
  await broker.connect();
  return broker;
}

const order = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  orderRef: 'rb:run-1:AAPL',
  symbol: 'AAPL',
  action: 'BUY',
  quantity: 50,
  limitPrice: 190.1,
  adaptivePriority: 'Normal',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
  ...over,
});

async function rejection(p: Promise<unknown>): Promise<BrokerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BrokerError);
  return err as BrokerError;
}

describe('SimBroker', () => {
  it('starts a new user on the universe: one paper account, 100,000 USD, no positions, quotes for the tickers', async () => {
    const b = await open(MIDDAY);
    expect(await b.managedAccounts()).toEqual(['DU0000001']);
    const summary = await b.accountSummary('DU0000001');
    expect(summary).toMatchObject({ netLiquidation: 100000, totalCash: 100000, grossPositionValue: 0, maintMargin: 0, cushion: 1 });
    expect(await b.positions('DU0000001')).toEqual([]);
    const quotes = await b.quotes(['SPY', 'PENY', 'ZZZZ'], {});
    expect(Object.keys(quotes).sort()).toEqual(['PENY', 'SPY']);
    const contracts = await b.contractDetails(['PENY', 'ZZZZ'], {});
    expect(contracts).toEqual({ PENY: { symbol: 'PENY', minTick: 0.0001, primaryExchange: 'NASDAQ', currency: 'USD' } });
    expect(existsSync(stateFile(join(dir, 'data')))).toBe(true);
  });

  it('seeds the account from a scenario and marks positions at last', async () => {
    const b = await open(MIDDAY, { scenarioFile: await scenario() });
    expect(await b.positions('DU0000001')).toEqual([{ account: 'DU0000001', symbol: 'AAPL', quantity: 100, avgCost: 150 }]);
    expect(await b.accountSummary('DU0000001')).toEqual({
      account: 'DU0000001',
      currency: 'USD',
      netLiquidation: 119000,
      totalCash: 100000,
      grossPositionValue: 19000,
      maintMargin: 4750,
      excessLiquidity: 114250,
      cushion: 0.960084,
      accruedDividend: 0,
    });
    const quotes = await b.quotes(['AAPL', 'NOQT'], {});
    expect(quotes).toEqual({ AAPL: { symbol: 'AAPL', bid: 189.98, ask: 190.02, last: 190.0, close: 188.5 } });
    expect(Object.keys(await b.contractDetails(['AAPL', 'NOQT', 'TSLA'], {})).sort()).toEqual(['AAPL', 'NOQT']);
  });

  it('keeps its state between runs: an order of run 1 fills in the market run 2 replays', async () => {
    const file = await scenario();
    const run1 = await open(BEFORE_OPEN, { scenarioFile: file });
    const placed = await run1.placeOrder(order());
    expect(placed).toMatchObject({ brokerOrderId: 1, status: 'PreSubmitted', filledQuantity: 0, clientId: 0 });
    await run1.disconnect();

    const run2 = await open('2026-01-14T15:00:00Z', { scenarioFile: file });
    const [exec, ...more] = await run2.executions(BEFORE_OPEN);
    expect(more).toEqual([]);
    expect(exec).toMatchObject({ brokerOrderId: 1, orderRef: 'rb:run-1:AAPL', symbol: 'AAPL', side: 'BUY', quantity: 50 });
    expect(exec?.time).toBe('2026-01-14T14:30:00Z');
    const price = exec?.price ?? NaN;
    expect(price).toBeGreaterThanOrEqual(190.0);
    expect(price).toBeLessThanOrEqual(190.02);
    expect(exec?.commission).toBe(estimateCommission('fixed', 50, price, 'BUY'));
    expect(exec?.commission).toBe(1);

    const [status] = await run2.orderStatuses([1], 0);
    expect(status).toMatchObject({ status: 'Filled', filledQuantity: 50, avgFillPrice: price });
    expect(await run2.openOrders()).toEqual([]);
    expect((await run2.accountSummary('DU0000001')).totalCash).toBeCloseTo(100000 - 50 * price - 1, 6);
    const [pos] = await run2.positions('DU0000001');
    expect(pos?.quantity).toBe(150);
    expect(pos?.avgCost).toBeCloseTo((100 * 150 + 50 * price + 1) / 150, 6);
  });

  it('fills a marketable order at once while the session is open, and a later run sees it', async () => {
    const file = await scenario();
    const run1 = await open(MIDDAY, { scenarioFile: file });
    const placed = await run1.placeOrder(order({ action: 'SELL', quantity: 40, limitPrice: 189.9 }));
    expect(placed.status).toBe('Filled');
    const run2 = await open('2026-01-14T18:00:00Z', { scenarioFile: file });
    const [exec] = await run2.executions(MIDDAY);
    expect(exec?.time).toBe(MIDDAY);
    expect(exec?.commission).toBe(estimateCommission('fixed', 40, exec?.price ?? NaN, 'SELL'));
    expect((await run2.positions('DU0000001'))[0]).toMatchObject({ quantity: 60, avgCost: 150 });
    expect((await run2.accountSummary('DU0000001')).totalCash).toBeCloseTo(
      100000 + 40 * (exec?.price ?? NaN) - (exec?.commission ?? NaN),
      6,
    );
  });

  it('fills a big order over several steps, charging the per-order commission once in total', async () => {
    const file = await scenario({ ...baseScenario, cash: 1e6, fills: { partialFillProbability: 0.5, maxStepValue: 20_000 } });
    const run1 = await open(MIDDAY, { scenarioFile: file, commissionModel: 'tiered' });
    await run1.placeOrder(order({ quantity: 1000 }));
    const run2 = await open('2026-01-14T20:00:00Z', { scenarioFile: file, commissionModel: 'tiered' });
    const execs = await run2.executions(MIDDAY);
    expect(execs.length).toBeGreaterThan(4);
    expect(execs.reduce((s, e) => s + e.quantity, 0)).toBe(1000);
    const [status] = await run2.orderStatuses([1], 0);
    const total = execs.reduce((s, e) => s + (e.commission ?? Number.NaN), 0);
    expect(total).toBeCloseTo(estimateCommission('tiered', 1000, status?.avgFillPrice ?? NaN, 'BUY'), 2);
  });

  it('expires a DAY order still open at the close', async () => {
    const file = await scenario();
    const run1 = await open(MIDDAY, { scenarioFile: file });
    await run1.placeOrder(order({ limitPrice: 150 }));
    expect((await run1.openOrders()).map((o) => o.status)).toEqual(['Submitted']);
    const run2 = await open('2026-01-14T20:55:00Z', { scenarioFile: file });
    expect(await run2.openOrders()).toHaveLength(1);
    const run3 = await open('2026-01-15T15:00:00Z', { scenarioFile: file });
    expect(await run3.openOrders()).toEqual([]);
    expect(await run3.orderStatuses([1], 0)).toEqual([
      expect.objectContaining({ status: 'Cancelled', filledQuantity: 0, message: 'expired at the close (DAY)' }),
    ]);
    expect(await run3.executions(MIDDAY)).toEqual([]);
  });

  it("lists the current New York day's finished orders with when they ended, and no earlier day's", async () => {
    const file = await scenario({ ...baseScenario, fills: { partialFillProbability: 0, maxStepValue: 1000 } });
    const run1 = await open(MIDDAY, { scenarioFile: file });
    await run1.placeOrder(order({ orderRef: 'tue-filled', quantity: 2 }));
    await run1.placeOrder(order({ orderRef: 'tue-expires', limitPrice: 150 }));
    // After the close: the filled order and the one that expired at 16:00 are both of the 14th.
    const evening = await open('2026-01-14T23:00:00Z', { scenarioFile: file });
    expect(await evening.completedOrders()).toEqual([
      expect.objectContaining({ orderRef: 'tue-filled', status: 'Filled', filledQuantity: 2, completedAt: MIDDAY }),
      expect.objectContaining({ orderRef: 'tue-expires', status: 'Cancelled', filledQuantity: 0, completedAt: '2026-01-14T21:00:00Z' }),
    ]);

    const run2 = await open('2026-01-15T15:00:00Z', { scenarioFile: file });
    expect(await run2.completedOrders()).toEqual([]);
    const filled = await run2.placeOrder(order({ orderRef: 'wed-filled', quantity: 3 }));
    const part = await run2.placeOrder(order({ orderRef: 'wed-part', quantity: 10 }));
    const unfilled = await run2.placeOrder(order({ orderRef: 'wed-unfilled', quantity: 2, limitPrice: 150 }));
    await run2.cancelOrder(part);
    await run2.cancelOrder(unfilled);
    const completed = await run2.completedOrders();
    expect(completed).toEqual([
      { ...filled, status: 'Filled', completedAt: '2026-01-15T15:00:00Z' },
      expect.objectContaining({
        orderRef: 'wed-part',
        status: 'Cancelled',
        quantity: 10,
        filledQuantity: 5,
        completedAt: '2026-01-15T15:00:00Z',
      }),
      expect.objectContaining({ orderRef: 'wed-unfilled', status: 'Cancelled', filledQuantity: 0, avgFillPrice: 0 }),
    ]);
    expect(completed[1]?.avgFillPrice).toBeGreaterThan(0);
    expect(completed.map((o) => o.permId)).toEqual([filled.permId, part.permId, unfilled.permId]);
  });

  it('rejects unknown symbols, scenario reject symbols, bad quantities and off-tick limits', async () => {
    const b = await open(MIDDAY, { scenarioFile: await scenario() });
    expect(await rejection(b.placeOrder(order({ symbol: 'TSLA' })))).toMatchObject({ kind: 'rejected', code: 200 });
    expect(await rejection(b.placeOrder(order({ symbol: 'MSFT', limitPrice: 420 })))).toMatchObject({ kind: 'rejected', code: 201 });
    expect(await rejection(b.placeOrder(order({ quantity: 1.5 })))).toMatchObject({ kind: 'rejected' });
    expect(await rejection(b.placeOrder(order({ quantity: 0 })))).toMatchObject({ kind: 'rejected' });
    expect(await rejection(b.placeOrder(order({ limitPrice: 190.005 })))).toMatchObject({ kind: 'rejected', code: 110 });
    expect(await b.openOrders()).toEqual([]);
  });

  it('sendOrder (pipelined): the order is at the broker as it leaves, its acknowledgement or refusal follows; kept back, nothing is sent', async () => {
    const b = await open(MIDDAY, { scenarioFile: await scenario() });
    const sent = await b.sendOrder(order({ limitPrice: 150 }));
    expect(await sent?.acknowledged).toMatchObject({ brokerOrderId: 1, orderRef: 'rb:run-1:AAPL', status: 'Submitted' });
    const refused = await b.sendOrder(order({ orderRef: 'rb:run-1:TSLA', symbol: 'TSLA' }));
    expect(await rejection(refused?.acknowledged ?? Promise.resolve())).toMatchObject({ kind: 'rejected', code: 200 });
    expect(await b.sendOrder(order({ orderRef: 'rb:run-1:KEPT', limitPrice: 150 }), () => false)).toBeUndefined();
    expect((await b.openOrders()).map((o) => o.orderRef)).toEqual(['rb:run-1:AAPL']);
    await b.disconnect();
    expect(await rejection(b.sendOrder(order({ orderRef: 'rb:run-1:LATE' })))).toMatchObject({ kind: 'connect' });
  });

  it('cancels an open order at once, and says so when the order is already final', async () => {
    const b = await open(MIDDAY, { scenarioFile: await scenario() });
    const placed = await b.placeOrder(order({ limitPrice: 150 }));
    expect(await b.cancelOrder(placed)).toEqual({ brokerOrderId: 1, orderRef: placed.orderRef, confirmed: true, status: 'Cancelled' });
    expect(await b.cancelOrder(placed)).toMatchObject({ confirmed: false, status: 'Cancelled', detail: 'already Cancelled' });
    expect(await b.cancelOrder({ ...placed, brokerOrderId: 99 })).toMatchObject({ confirmed: false });
  });

  it('in read-only mode advances in memory and never writes the state file', async () => {
    const file = await scenario();
    const ro = await open(MIDDAY, { scenarioFile: file, readOnly: true });
    await ro.placeOrder(order());
    expect(existsSync(join(dir, 'data'))).toBe(false);

    const run1 = await open(BEFORE_OPEN, { scenarioFile: file });
    await run1.placeOrder(order());
    const before = await readFile(stateFile(join(dir, 'data')), 'utf8');
    const mtime = (await stat(stateFile(join(dir, 'data')))).mtimeMs;
    const plan = await open('2026-01-14T15:00:00Z', { scenarioFile: file, readOnly: true });
    expect(await plan.executions(BEFORE_OPEN)).toHaveLength(1);
    expect(await readFile(stateFile(join(dir, 'data')), 'utf8')).toBe(before);
    expect((await stat(stateFile(join(dir, 'data')))).mtimeMs).toBe(mtime);
  });

  it('reports a corrupt state file by name and leaves it as it is', async () => {
    await open(MIDDAY);
    const file = stateFile(join(dir, 'data'));
    await writeFile(file, '{"version": 1, "cash": ');
    const err = await rejection(open('2026-01-14T18:00:00Z'));
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/corrupt/);
    expect(await readFile(file, 'utf8')).toBe('{"version": 1, "cash": ');

    await writeFile(file, JSON.stringify({ version: 1, cash: 'lots' }));
    expect((await rejection(open('2026-01-14T18:00:00Z'))).message).toContain(file);
  });

  it('refuses to go back in time or to switch scenarios under an existing simulation', async () => {
    await open(MIDDAY);
    expect((await rejection(open(BEFORE_OPEN))).message).toMatch(/cannot go back/);
    expect((await rejection(open(MIDDAY, { scenarioFile: await scenario() }))).message).toMatch(/seeded from the built-in universe/);
  });

  it('trades the universe across runs: a generous BUY placed at 12:00 has filled by 13:00', async () => {
    const run1 = await open(MIDDAY, { seed: 11 });
    const ask = (await run1.quotes(['SPY'], {})).SPY?.ask ?? NaN;
    await run1.placeOrder(order({ symbol: 'SPY', quantity: 10, limitPrice: roundToTick(ask * 1.01, 0.01, 'down') }));
    const run2 = await open('2026-01-14T18:00:00Z');
    const execs = await run2.executions(MIDDAY);
    expect(execs.reduce((s, e) => s + e.quantity, 0)).toBe(10);
    expect((await run2.positions('DU0000001'))[0]).toMatchObject({ symbol: 'SPY', quantity: 10 });
    expect(new Set(execs.map((e) => e.execId)).size).toBe(execs.length);
  });

  it('answers nothing before connect', async () => {
    const b = new SimBroker({ dataDir: dir, now: MIDDAY, commissionModel: 'fixed' });
    expect(await rejection(b.managedAccounts())).toMatchObject({ kind: 'connect' });
  });
});
