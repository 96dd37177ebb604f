import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../src/core/types.js';
import { SimBroker } from '../../src/adapters/sim/sim-broker.js';
import { SimAccount, SimStateError, type SimAccountOptions } from '../../src/sim/sim-account.js';
import { stateFile } from '../../src/sim/state-file.js';
import { deposit, dividend, scenarioWithEvents, withdrawal, type ScenarioEvent } from '../support/scenarios.js';
import { simCashTransactions } from '../support/sim-cash-transactions.js';

/**
 * The scenario's scheduled cash flows, applied by the simulated account as its clock passes them: deposits and
 * withdrawals move cash and NLV by the amount at their instant; a dividend drops the price and is accrued (in
 * NLV) at the ex-date's open, and moves cash on the pay date; a short pays it. Each applies exactly once, across
 * restarts, clock jumps and read-only openings.
 */

// Monday 2026-12-07 .. Thursday 2026-12-10, New York on EST (UTC-5): 09:30 New York is 14:30Z.
const MON_NOON = '2026-12-07T17:00:00Z';
const MON_1PM = '2026-12-07T18:00:00Z';
const MON_2PM = '2026-12-07T19:00:00Z';
const TUE_9AM = '2026-12-08T14:00:00Z';
const TUE_10AM = '2026-12-08T15:00:00Z';
const WED_10AM = '2026-12-09T15:00:00Z';
const THU_9AM = '2026-12-10T14:00:00Z';
const THU_10AM = '2026-12-10T15:00:00Z';
const FRI_10AM = '2026-12-11T15:00:00Z';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-cash-events-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const data = () => join(dir, 'data');
const file = () => join(dir, 'scenario.json');

const BASE = {
  cash: 100_000,
  positions: { AAPL: { quantity: 100, avgCost: 150 } },
  quotes: { AAPL: { bid: 189.98, ask: 190.02, last: 190.0, close: 188.5 } },
  contracts: { AAPL: { minTick: 0.01, primaryExchange: 'NASDAQ' } },
  fills: { partialFillProbability: 0 },
};

async function scenario(events: ScenarioEvent[], base: Record<string, unknown> = BASE): Promise<void> {
  await writeFile(file(), JSON.stringify(scenarioWithEvents(base, ...events)));
}

const open = (now: string, extra: Partial<SimAccountOptions> = {}) =>
  SimAccount.open({ dataDir: data(), scenarioFile: file(), now, commissionModel: 'fixed', ...extra });

const buy = (quantity: number): OrderRequest => ({
  orderRef: 'rb:test:AAPL',
  symbol: 'AAPL',
  action: 'BUY',
  quantity,
  limitPrice: 191,
  adaptivePriority: 'Urgent',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
});

const figures = (sim: SimAccount) => {
  const s = sim.summary();
  return { cash: s.totalCash, nlv: s.netLiquidation };
};

describe('deposits and withdrawals', () => {
  it('move cash and NLV by the amount at their instant, once, across restarts and a clock jump', async () => {
    await scenario([deposit(MON_1PM, 15_000), withdrawal('2026-12-08T10:00:00-05:00', 8_000)]);
    expect(figures(open(MON_NOON))).toEqual({ cash: 100_000, nlv: 119_000 });

    const sim = open(MON_NOON);
    sim.advanceTo('2026-12-07T17:59:59Z');
    expect(figures(sim)).toEqual({ cash: 100_000, nlv: 119_000 });
    sim.advanceTo(MON_1PM);
    expect(figures(sim)).toEqual({ cash: 115_000, nlv: 134_000 });

    // A restart (the next hourly run) reads the state: the deposit is not applied again.
    expect(figures(open(MON_2PM))).toEqual({ cash: 115_000, nlv: 134_000 });
    expect(figures(open(MON_2PM))).toEqual({ cash: 115_000, nlv: 134_000 });

    // Days later, in one jump: the withdrawal is applied once.
    const later = open(FRI_10AM);
    expect(figures(later)).toEqual({ cash: 107_000, nlv: 126_000 });
    expect(later.cashTransactions()).toEqual([
      expect.objectContaining({ type: 'Deposits/Withdrawals', symbol: '', amount: '15000.00', date: '2026-12-07', time: MON_1PM }),
      expect.objectContaining({ type: 'Deposits/Withdrawals', symbol: '', amount: '-8000.00', date: '2026-12-08', time: TUE_10AM }),
    ]);
    expect(later.cashTransactions('2026-12-08', '2026-12-08').map((t) => t.amount)).toEqual(['-8000.00']);
    const ids = later.cashTransactions().map((t) => t.transactionId);
    expect(new Set(ids).size).toBe(2);
    expect(figures(open(FRI_10AM))).toEqual({ cash: 107_000, nlv: 126_000 });
    expect(
      open(FRI_10AM)
        .cashTransactions()
        .map((t) => t.transactionId),
    ).toEqual(ids);
    // What a test serves as IB's Flex cash transactions: read from the state file.
    expect(simCashTransactions(data())).toEqual(later.cashTransactions());
  });

  it('a read-only opening (rebalancer plan) shows the flow but does not record it: the next run applies it once', async () => {
    await scenario([deposit(MON_1PM, 15_000)]);
    open(MON_NOON);
    const before = await readFile(stateFile(data()), 'utf8');
    expect(figures(open(MON_2PM, { readOnly: true }))).toEqual({ cash: 115_000, nlv: 134_000 });
    expect(await readFile(stateFile(data()), 'utf8')).toBe(before);
    expect(figures(open(MON_2PM))).toEqual({ cash: 115_000, nlv: 134_000 });
    expect(figures(open(MON_2PM))).toEqual({ cash: 115_000, nlv: 134_000 });
  });

  it('a new simulation takes the scenario as the account at its first instant: earlier flows are already in its cash', async () => {
    await scenario([deposit(MON_1PM, 15_000), deposit(WED_10AM, 1_000)]);
    const sim = open(TUE_10AM);
    expect(figures(sim)).toEqual({ cash: 100_000, nlv: 119_000 });
    expect(sim.cashTransactions()).toEqual([]);
    expect(figures(open(THU_10AM))).toEqual({ cash: 101_000, nlv: 120_000 });
  });

  it('an event added to the scenario after the clock passed it is applied at the next opening, once; the others are not replayed', async () => {
    await scenario([deposit(MON_1PM, 15_000)]);
    open(MON_NOON);
    expect(figures(open(MON_2PM)).cash).toBe(115_000);
    await scenario([deposit(MON_1PM, 15_000), { type: 'fee', at: MON_1PM, amount: 10 }, { type: 'interest', at: MON_1PM, amount: 2.5 }]);
    const sim = open(TUE_10AM);
    expect(figures(sim).cash).toBe(115_000 - 10 + 2.5);
    expect(sim.cashTransactions().map((t) => [t.type, t.amount, t.time])).toEqual([
      ['Deposits/Withdrawals', '15000.00', MON_1PM],
      ['Other Fees', '-10.00', TUE_10AM],
      ['Broker Interest Received', '2.50', TUE_10AM],
    ]);
    expect(figures(open(WED_10AM)).cash).toBe(115_000 - 10 + 2.5);
  });

  it('a hand-edited record of the applied events is refused, naming the file and the field; the clock never goes back', async () => {
    await scenario([deposit(MON_1PM, 15_000)]);
    open(MON_2PM);
    const text = await readFile(stateFile(data()), 'utf8');
    const state = JSON.parse(text) as Record<string, unknown>;
    await writeFile(stateFile(data()), JSON.stringify({ ...state, appliedEvents: 'deposit' }));
    expect(() => open(TUE_10AM)).toThrow(SimStateError);
    expect(() => open(TUE_10AM)).toThrow(`${stateFile(data())}: corrupt simulator state (appliedEvents: `);
    await writeFile(stateFile(data()), text);
    // Asked for an instant before the deposit: refused, not replayed.
    expect(() => open(MON_NOON)).toThrow(/cannot go back/);
    expect(figures(open(TUE_10AM)).cash).toBe(100_000);
  });

  it('two identical deposits are two deposits', async () => {
    await scenario([deposit(MON_1PM, 500), deposit(MON_1PM, 500)]);
    open(MON_NOON);
    expect(figures(open(MON_2PM)).cash).toBe(101_000);
    expect(figures(open(TUE_10AM)).cash).toBe(101_000);
  });

  it('a flow is applied before the fill step of its instant: an order placed before it fills after it', async () => {
    await scenario([deposit('2026-12-08T14:30:00Z', 1_000)]);
    const sim = open(TUE_9AM);
    sim.place(buy(10));
    expect(sim.openOrders()).toHaveLength(1);
    sim.advanceTo('2026-12-08T14:30:00Z');
    expect(sim.openOrders()).toHaveLength(0);
    expect(sim.state.positions.AAPL?.quantity).toBe(110);
    expect(sim.cashTransactions()).toHaveLength(1);
  });
});

describe('a dividend', () => {
  it('drops the price at the ex-date open and accrues it (in NLV), pays it on the pay date: NLV continuous', async () => {
    await scenario([dividend('AAPL', 0.5, '2026-12-08', '2026-12-10')]);
    const sim = open(MON_NOON);
    sim.advanceTo(TUE_9AM);
    expect(sim.quote('AAPL')).toMatchObject({ bid: 189.98, ask: 190.02, last: 190, close: 188.5 });
    expect(figures(sim)).toEqual({ cash: 100_000, nlv: 119_000 });

    sim.advanceTo(TUE_10AM);
    expect(sim.quote('AAPL')).toMatchObject({ bid: 189.48, ask: 189.52, last: 189.5, close: 188.5 });
    expect(sim.state.dividendAccruals).toEqual([expect.objectContaining({ symbol: 'AAPL', quantity: 100, amount: 50 })]);
    // 100,000 cash + 100 x 189.50 + 50 accrued.
    expect(figures(sim)).toEqual({ cash: 100_000, nlv: 119_000 });
    expect(sim.cashTransactions()).toEqual([]);

    // The next day the previous close is the ex-date's, adjusted too.
    expect(open(WED_10AM).quote('AAPL')).toMatchObject({ last: 189.5, close: 188 });
    expect(figures(open(THU_9AM))).toEqual({ cash: 100_000, nlv: 119_000 });

    const paid = open(THU_10AM);
    expect(figures(paid)).toEqual({ cash: 100_050, nlv: 119_000 });
    expect(paid.state.dividendAccruals).toEqual([]);
    expect(paid.cashTransactions()).toEqual([
      expect.objectContaining({ type: 'Dividends', symbol: 'AAPL', assetCategory: 'STK', amount: '50.00', date: '2026-12-10' }),
    ]);
    expect(figures(open(FRI_10AM))).toEqual({ cash: 100_050, nlv: 119_000 });
  });

  it('entitles the holders at the ex-date open: shares bought the day before count, shares bought on the ex-date do not', async () => {
    await scenario([dividend('AAPL', 0.5, '2026-12-08', '2026-12-10')]);
    const sim = open(MON_NOON);
    sim.place(buy(20));
    expect(sim.state.positions.AAPL?.quantity).toBe(120);
    sim.advanceTo(TUE_10AM);
    sim.place(buy(30));
    expect(sim.state.positions.AAPL?.quantity).toBe(150);
    expect(sim.state.dividendAccruals?.map((a) => a.amount)).toEqual([60]);
    const paid = open(THU_10AM);
    expect(paid.cashTransactions().map((t) => t.amount)).toEqual(['60.00']);
  });

  it('a short pays it: a negative accrual, then cash down on the pay date', async () => {
    await scenario([dividend('AAPL', 0.5, '2026-12-08', '2026-12-10')], { ...BASE, positions: { AAPL: { quantity: -100, avgCost: 200 } } });
    expect(figures(open(MON_NOON))).toEqual({ cash: 100_000, nlv: 81_000 });
    const ex = open(TUE_10AM);
    expect(ex.state.dividendAccruals?.map((a) => a.amount)).toEqual([-50]);
    // 100,000 - 100 x 189.50 - 50 owed.
    expect(figures(ex)).toEqual({ cash: 100_000, nlv: 81_000 });
    const paid = open(THU_10AM);
    expect(figures(paid)).toEqual({ cash: 99_950, nlv: 81_000 });
    expect(paid.cashTransactions()).toEqual([
      expect.objectContaining({ type: 'Payment In Lieu Of Dividends', symbol: 'AAPL', amount: '-50.00', date: '2026-12-10' }),
    ]);
  });

  it('a position sold on the ex-date still gets paid; one sold before it gets nothing', async () => {
    await scenario([dividend('AAPL', 0.5, '2026-12-08', '2026-12-10')]);
    open(MON_NOON);
    const sim = open(TUE_10AM);
    sim.place({ ...buy(100), action: 'SELL', limitPrice: 189 });
    expect(sim.state.positions.AAPL?.quantity).toBe(0);
    expect(figures(open(THU_10AM)).cash).toBe(sim.state.cash + 50);

    await rm(data(), { recursive: true });
    const early = open(MON_NOON);
    early.place({ ...buy(100), action: 'SELL', limitPrice: 189 });
    expect(figures(open(THU_10AM)).cash).toBe(early.state.cash);
    expect(open(THU_10AM).cashTransactions()).toEqual([]);
  });

  it('in one jump over both dates: accrued then paid, once', async () => {
    await scenario([dividend('AAPL', 0.5, '2026-12-08', '2026-12-10')]);
    open(MON_NOON);
    expect(figures(open(FRI_10AM))).toEqual({ cash: 100_050, nlv: 119_000 });
    expect(figures(open(FRI_10AM))).toEqual({ cash: 100_050, nlv: 119_000 });
    expect(open(FRI_10AM).cashTransactions()).toHaveLength(1);
  });
});

describe('the sim broker (the in-process face)', () => {
  it('each run sees the flows its clock passed in accountSummary: cash and NLV, a dividend accrued in NLV until paid', async () => {
    await scenario([deposit(MON_1PM, 15_000), dividend('AAPL', 0.5, '2026-12-08', '2026-12-10')]);
    const run = async (now: string) => {
      const broker = new SimBroker({ dataDir: data(), scenarioFile: file(), now, commissionModel: 'fixed' });
      await broker.connect();
      const s = await broker.accountSummary('DU0000001');
      await broker.disconnect();
      return { cash: s.totalCash, nlv: s.netLiquidation };
    };
    expect(await run(MON_NOON)).toEqual({ cash: 100_000, nlv: 119_000 });
    expect(await run(MON_2PM)).toEqual({ cash: 115_000, nlv: 134_000 });
    expect(await run(TUE_10AM)).toEqual({ cash: 115_000, nlv: 134_000 });
    expect(await run(THU_10AM)).toEqual({ cash: 115_050, nlv: 134_000 });
    expect(await run(THU_10AM)).toEqual({ cash: 115_050, nlv: 134_000 });
  });
});
