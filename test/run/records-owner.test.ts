import { describe, expect, it } from 'vitest';
import { runRebalance } from '../../src/run/rebalance-run.js';
import { executionsSince } from '../../src/run/collect-fills.js';
import { aMarket, IN_SESSION, memoryRun, runIdAt, seedEarlierRun, type MemoryRun } from '../support/memory-ports.js';
import { memoryStores } from '../support/memory-store.js';
import type { MemoryDatabase } from '../support/memory-store.js';
import type { RunSettings } from '../../src/run/run-types.js';

// One account per set of records (issue 11, item 5): the records remember the broker kind, account and trading
// mode of their first run that reached the account check, and refuse any other before anything is touched.

const LATER = '2026-11-23T16:30:00Z';
const AFTER = '2026-11-23T17:30:00Z';

/** A run on `stores` against a broker logged in to `account`, with `settings` over the test settings. */
function runOn(
  stores: ReturnType<typeof memoryStores>,
  now: string,
  account: string,
  settings: Partial<RunSettings> = {},
  dryRun = false,
): MemoryRun {
  return memoryRun({
    now,
    stores,
    dryRun,
    settings,
    runId: runIdAt(now, account.toLowerCase()),
    broker: { script: { ...aMarket().script, accounts: [account] } },
  });
}

/** Everything in the records that belongs to an account: none of it may change when a run is refused. */
function accountRecords(db: MemoryDatabase): unknown {
  return structuredClone({
    snapshots: db.snapshots,
    positions: db.positions,
    orders: db.orders,
    fills: db.fills,
    breaches: db.breaches,
    managed: db.managedSymbols,
    adjustments: db.ledgerAdjustments,
    checks: db.ledgerChecks,
    strategies: db.strategies,
    retirements: db.strategyRetirements,
    halts: db.haltEvents,
    owner: db.recordsOwner,
  });
}

/** The broker methods called after the account check. */
function afterAccountCheck(run: MemoryRun): string[] {
  const methods = run.broker.methods();
  return methods.slice(methods.indexOf('managedAccounts') + 1);
}

function expectRefused(
  run: MemoryRun,
  result: Awaited<ReturnType<typeof runRebalance>>,
  before: unknown,
  names: { records: string[]; current: string[] },
): void {
  expect(result.exitCode).toBe(2);
  expect(result.status).toBe('failed');
  expect(result.sent).toEqual([]);
  expect(result.plan).toBeUndefined();
  // Both sides named, and how to start fresh; never an offer to accept the other account's positions.
  const message = result.error ?? '';
  const [recordsSide, currentSide] = message.split('; ');
  for (const n of names.records) expect(recordsSide).toContain(n);
  for (const n of names.current) expect(currentSide).toContain(n);
  expect(message).toContain(run.records.databasePath);
  expect(message).toMatch(/point DATA_DIR at a new, empty directory/);
  expect(message).toMatch(/move .*data aside/);
  expect(message).not.toMatch(/accept/i);
  expect(run.lines.join('\n')).toContain(`REFUSED: ${message}`);
  // Nothing asked of the broker after the account check: no reconciliation, no cancel, no order, no read.
  expect(afterAccountCheck(run)).toEqual(['disconnect']);
  expect(run.broker.callsTo('cancelOrder')).toEqual([]);
  expect(run.broker.callsTo('placeOrder')).toEqual([]);
  expect(accountRecords(run.db)).toEqual(before);
  // The refused run is recorded as failed (exit 2): the next run's executions window never starts from it.
  expect(run.db.runs.find((r) => r.runId === run.runId)).toMatchObject({ status: 'failed', exitCode: 2, error: message });
  expect(executionsSince(run.store, 'next', AFTER)).toBe(executionsSince(run.store, run.runId, AFTER));
  // A person is told at once.
  expect(run.mailer.sent.some((m) => m.subject.includes('FAILED') && m.text.includes('records of another account'))).toBe(true);
}

describe('one account per set of records', () => {
  it('the first run claims the records for its broker, account and trading mode, and says so; the same account trades on', async () => {
    const stores = memoryStores();
    const first = runOn(stores, IN_SESSION, 'DU1234567');
    const r1 = await runRebalance(first);
    expect(r1.exitCode).toBe(0);
    expect(r1.sent.length).toBeGreaterThan(0);
    expect(first.store.recordsOwner()).toEqual({
      broker: 'sim',
      account: 'DU1234567',
      tradingMode: 'paper',
      runId: first.runId,
      at: IN_SESSION,
      adopted: false,
    });
    expect(first.lines.join('\n')).toMatch(/records .*rebalancer\.sqlite now belong to broker sim, account DU1234567, trading mode paper/);
    expect(r1.notices).toEqual([]);

    const second = runOn(stores, LATER, 'DU1234567');
    const r2 = await runRebalance(second);
    expect(r2.exitCode).toBe(0);
    expect(r2.account).toBe('DU1234567');
    expect(second.lines.join('\n')).not.toMatch(/now belong to|REFUSED/);
    expect(second.store.recordsOwner()?.runId).toBe(first.runId);
  });

  it('another account on the same records is refused (exit 2) with both named, before any broker call or record of it', async () => {
    const stores = memoryStores();
    expect((await runRebalance(runOn(stores, IN_SESSION, 'DU1234567'))).exitCode).toBe(0);
    const other = runOn(stores, LATER, 'DU7654321');
    // Orders of ours left working at the other login: a refused run must not even look at them.
    const before = accountRecords(stores.db);
    const result = await runRebalance(other);
    expectRefused(other, result, before, {
      records: ['broker sim', 'account DU1234567', 'trading mode paper'],
      current: ['broker sim', 'account DU7654321', 'trading mode paper'],
    });
    expect(result.error).toMatch(/\(the account differs\)/);
    // The records' own account trades on afterwards.
    const back = await runRebalance(runOn(stores, AFTER, 'DU1234567'));
    expect(back.exitCode).toBe(0);
  });

  it("a refused run sends no daily summary of the other account's records under this account's name", async () => {
    const stores = memoryStores();
    expect((await runRebalance(runOn(stores, IN_SESSION, 'DU1234567'))).exitCode).toBe(0);
    // After the close, with IB_ACCOUNT set to the other account: the end-of-day email would be due.
    const other = runOn(stores, '2026-11-23T21:35:00Z', 'DU7654321', {
      expectedAccount: 'DU7654321',
      notify: { alertRepeatMinutes: 180, expectedAccount: 'DU7654321' },
    });
    const result = await runRebalance(other);
    expect(result.exitCode).toBe(2);
    expect(other.mailer.attempts.map((m) => m.subject).filter((s) => /start of day|mid-day|end of day/.test(s))).toEqual([]);
  });

  it('the sim broker, then IB on the same records: refused, naming both broker kinds', async () => {
    const stores = memoryStores();
    expect((await runRebalance(runOn(stores, IN_SESSION, 'DU0000001'))).exitCode).toBe(0);
    const ib = runOn(stores, LATER, 'DU0000001', { brokerName: 'ib' });
    const before = accountRecords(stores.db);
    const result = await runRebalance(ib);
    expectRefused(ib, result, before, { records: ['broker sim'], current: ['broker ib'] });
    expect(result.error).toMatch(/\(the broker differs\)/);
    expect(result.error).toMatch(/set BROKER=sim, TRADING_MODE=paper again/);
  });

  it('paper, then live on the same records: refused', async () => {
    const stores = memoryStores();
    expect((await runRebalance(runOn(stores, IN_SESSION, 'DU1234567', { brokerName: 'ib', expectedAccount: 'DU1234567' }))).exitCode).toBe(
      0,
    );
    const live = runOn(stores, LATER, 'U7654321', { brokerName: 'ib', tradingMode: 'live', expectedAccount: 'U7654321' });
    const before = accountRecords(stores.db);
    const result = await runRebalance(live);
    expectRefused(live, result, before, {
      records: ['broker ib', 'account DU1234567', 'trading mode paper'],
      current: ['broker ib', 'account U7654321', 'trading mode live'],
    });
    expect(result.error).toMatch(/\(the account and the trading mode differ\)/);
    expect(result.error).toMatch(/set BROKER=ib, TRADING_MODE=paper, IB_ACCOUNT=DU1234567 again/);
  });

  it('a refused run changes nothing even when it comes back every hour; the owner is never replaced', async () => {
    const stores = memoryStores();
    const first = runOn(stores, IN_SESSION, 'DU1234567');
    await runRebalance(first);
    for (const at of [LATER, AFTER]) {
      const r = await runRebalance(runOn(stores, at, 'DU7654321'));
      expect(r.exitCode).toBe(2);
    }
    expect(stores.store.recordsOwner()).toMatchObject({ account: 'DU1234567', runId: first.runId });
  });

  it('a database that predates the rule adopts the account of its next run, with a log line and a note in its output', async () => {
    const stores = memoryStores();
    const run = runOn(stores, IN_SESSION, 'DU1234567');
    seedEarlierRun(run, '2026-11-20T15:30:00Z', { nlv: 100_000 });
    const result = await runRebalance(run);
    expect(result.exitCode).toBe(0);
    expect(run.store.recordsOwner()).toMatchObject({ broker: 'sim', account: 'DU1234567', tradingMode: 'paper', adopted: true });
    const note = result.notices.find((n) => n.includes('held runs but no account'));
    expect(note).toContain('they now belong to broker sim, account DU1234567, trading mode paper');
    expect(run.lines).toContain(`note: ${note ?? ''}`);
    // Adopted, then held: another account is refused from the next run on.
    expect((await runRebalance(runOn(stores, LATER, 'DU7654321'))).exitCode).toBe(2);
  });

  it('a dry run reaches the account check too: it claims fresh records, and is refused on another account', async () => {
    const stores = memoryStores();
    const dry = runOn(stores, IN_SESSION, 'DU1234567', {}, true);
    expect((await runRebalance(dry)).exitCode).toBe(0);
    expect(stores.store.recordsOwner()).toMatchObject({ account: 'DU1234567', runId: dry.runId });
    const other = runOn(stores, LATER, 'DU7654321', {}, true);
    expect((await runRebalance(other)).exitCode).toBe(2);
  });

  it('a run that never reaches the account check claims nothing', async () => {
    const stores = memoryStores();
    const blocked = runOn(stores, IN_SESSION, 'DU1234567', { expectedAccount: 'DU7654321' });
    const result = await runRebalance(blocked);
    expect(result.exitCode).toBe(3);
    expect(result.breaches.map((b) => b.code)).toEqual(['ACCOUNT_MISMATCH']);
    expect(stores.store.recordsOwner()).toBeUndefined();
  });
});
