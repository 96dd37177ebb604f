import { describe, expect, it } from 'vitest';
import { checkAccount } from '../../src/core/account-check.js';
import { ACCOUNT, baseScenario, brokerErrorOf, useIbHarness } from './support/ib-harness.js';

const h = useIbHarness();

describe('IB adapter over TCP: connection', () => {
  it('connects and reports the managed accounts, which pass the paper account check', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    const accounts = await broker.managedAccounts();
    expect(accounts).toEqual([ACCOUNT]);
    expect(checkAccount({ managedAccounts: accounts, expectedAccount: ACCOUNT, tradingMode: 'paper' })).toEqual({
      account: ACCOUNT,
      breaches: [],
    });
    expect(checkAccount({ managedAccounts: accounts, expectedAccount: ACCOUNT, tradingMode: 'live' }).breaches[0]?.code).toBe(
      'ACCOUNT_MISMATCH',
    );
    expect(gateway.stats().connections).toBe(1);
  });

  it('retries a bounded number of times, then fails with a message that says where and what to check', async () => {
    const port = await h.freePort();
    const broker = h.broker(port, { connectRetries: 2, connectBackoffMs: 30 });
    const started = Date.now();
    const error = await brokerErrorOf(broker.connect());
    expect(Date.now() - started).toBeGreaterThanOrEqual(30 + 60);
    expect(error.kind).toBe('connect');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toMatch(/after 3 attempt\(s\)/);
    expect(error.message).toMatch(/attempt 1: .*ECONNREFUSED.*attempt 3:/);
    expect(error.message).toMatch(/IB_PORT/);
    expect(h.messages.filter((m) => m.code === 502)).toHaveLength(3);
  });

  it('fails a connection attempt that gets no session within the timeout', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const error = await brokerErrorOf(h.broker(port, { timeoutMs: 200, connectRetries: 1 }).connect());
      expect(error.kind).toBe('connect');
      expect(error.message).toMatch(/after 2 attempt\(s\).*no session within 200 ms/);
    } finally {
      silent.close();
    }
  });

  it('refuses every call before connect, and after disconnect', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    expect((await brokerErrorOf(broker.managedAccounts())).kind).toBe('connect');
    expect((await brokerErrorOf(broker.positions(ACCOUNT))).kind).toBe('connect');
    await broker.connect();
    await broker.disconnect();
    await broker.disconnect();
    expect((await brokerErrorOf(broker.accountSummary(ACCOUNT))).kind).toBe('connect');
  });
});

describe('IB adapter over TCP: account', () => {
  it('reads the account summary: NLV is cash plus positions at their last price', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    const summary = await broker.accountSummary(ACCOUNT);
    expect(summary).toMatchObject({ account: ACCOUNT, currency: 'USD', totalCash: 100_000 });
    expect(summary.netLiquidation).toBeCloseTo(100_000 + 100 * 190, 2);
    expect(summary.grossPositionValue).toBeCloseTo(19_000, 2);
    for (const figure of [summary.maintMargin, summary.excessLiquidity, summary.cushion]) expect(Number.isFinite(figure)).toBe(true);
  });

  it('refuses the summary of an account this login does not manage', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    const error = await brokerErrorOf(broker.accountSummary('DU9999999'));
    expect(error.kind).toBe('rejected');
    expect(error.message).toMatch(/DU9999999 is not managed by this login \(DU1234567\)/);
  });

  it('answers late but within the timeout when the gateway is slow', async () => {
    const gateway = await h.gateway({ ...baseScenario(), gateway: { faults: { answerDelayMs: 300 } } });
    const broker = h.broker(gateway.port, { timeoutMs: 2000 });
    await broker.connect();
    const started = Date.now();
    expect((await broker.accountSummary(ACCOUNT)).totalCash).toBe(100_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('reads positions, twice in a row, the same', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    const expected = [{ account: ACCOUNT, symbol: 'AAPL', quantity: 100, avgCost: 150 }];
    expect(await broker.positions(ACCOUNT)).toEqual(expected);
    expect(await broker.positions(ACCOUNT)).toEqual(expected);
    expect(await broker.positions('DU0000009')).toEqual([]);
  });
});
