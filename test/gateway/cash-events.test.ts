import { EventName, type Contract, type Execution } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { BASE_SCENARIO, MIDDAY, collect, connectClient, startTestGateway, type TrackedClient } from './helpers.js';
import { deposit, dividend, scenarioWithEvents, withdrawal } from '../support/scenarios.js';

/**
 * The scenario's scheduled cash flows, seen through the simulated IB Gateway over TCP with @stoqey/ib as IB shows
 * them: only in the account values (TotalCashValue, the ledger's CashBalance, NetLiquidation; AccruedDividend and
 * the ledger's NetDividend for a dividend between its ex-date and its pay date), announced by nothing else, and
 * no execution. The scenario: cash 100,000, 100 AAPL at 190 (NLV 119,000), Wednesday 2026-11-18 12:00 New York.
 */

const ONE_PM = '2026-11-18T18:00:00Z';
const TWO_PM = '2026-11-18T19:00:00Z';
const THU_10AM = '2026-11-19T15:00:00Z';
const FRI_10AM = '2026-11-20T15:00:00Z';

type SummaryRow = [number, string, string, string, string];

let nextReq = 100;
/** One account summary read (the tags and the base ledger), cancelled after, as the adapter reads it. */
async function summary(client: TrackedClient): Promise<Map<string, string>> {
  const reqId = nextReq++;
  const rows = await collect<SummaryRow>(
    client.api,
    EventName.accountSummary,
    EventName.accountSummaryEnd,
    () =>
      client.api.reqAccountSummary(
        reqId,
        'All',
        'NetLiquidation,TotalCashValue,SettledCash,EquityWithLoanValue,AvailableFunds,AccruedDividend,$LEDGER',
      ),
    (id) => id === reqId,
  );
  client.api.cancelAccountSummary(reqId);
  return new Map(rows.map(([, , tag, value, currency]) => [`${tag}|${currency}`, value]));
}

/** The full download of reqAccountUpdates, by key|currency. */
async function accountUpdates(client: TrackedClient): Promise<Map<string, string>> {
  const rows = await collect<[string, string, string, string]>(client.api, EventName.updateAccountValue, EventName.accountDownloadEnd, () =>
    client.api.reqAccountUpdates(true, 'DU1234567'),
  );
  client.api.reqAccountUpdates(false, 'DU1234567');
  return new Map(rows.map(([key, value, currency]) => [`${key}|${currency}`, value]));
}

async function executions(client: TrackedClient): Promise<Execution[]> {
  const reqId = nextReq++;
  const rows = await collect<[number, Contract, Execution]>(
    client.api,
    EventName.execDetails,
    EventName.execDetailsEnd,
    () => client.api.reqExecutions(reqId, {}),
    (id) => id === reqId,
  );
  return rows.map(([, , e]) => e);
}

describe('cash flows through the simulated gateway', () => {
  it('a deposit shows in TotalCashValue, CashBalance and NetLiquidation once the clock passes it, and nowhere else', async () => {
    let now = MIDDAY;
    const scenario = scenarioWithEvents(BASE_SCENARIO, deposit(ONE_PM, 15_000), withdrawal(THU_10AM, 8_000));
    const { gateway, dir, scenarioFile } = await startTestGateway(scenario, { now: () => now });
    const client = await connectClient(gateway.port, 7);

    const before = await summary(client);
    expect(before.get('TotalCashValue|USD')).toBe('100000.00');
    expect(before.get('NetLiquidation|USD')).toBe('119000.00');
    expect(before.get('CashBalance|BASE')).toBe('100000.00');
    // IB's account summary has no AccruedDividend tag: left out, as any tag it does not know.
    expect(before.has('AccruedDividend|USD')).toBe(false);

    now = TWO_PM;
    const after = await summary(client);
    expect(after.get('TotalCashValue|USD')).toBe('115000.00');
    expect(after.get('SettledCash|USD')).toBe('115000.00');
    expect(after.get('NetLiquidation|USD')).toBe('134000.00');
    expect(after.get('CashBalance|BASE')).toBe('115000.00');
    expect(after.get('TotalCashBalance|BASE')).toBe('115000.00');
    const updates = await accountUpdates(client);
    expect(updates.get('TotalCashValue|USD')).toBe('115000.00');
    expect(updates.get('NetLiquidation|USD')).toBe('134000.00');
    expect(updates.get('CashBalance|USD')).toBe('115000.00');
    // No execution, no error, no notice announces it.
    expect(await executions(client)).toEqual([]);
    expect(client.errors.filter((e) => e.code !== 2104 && e.code !== 2106 && e.code !== 2158)).toEqual([]);

    // A restart of the gateway over the same data: the deposit is not applied twice; the withdrawal once, later.
    await gateway.close();
    now = FRI_10AM;
    const again = await startTestGateway(undefined, { now: () => now, dataDir: join(dir, 'data'), scenarioFile });
    const second = await connectClient(again.gateway.port, 8);
    const later = await summary(second);
    expect(later.get('TotalCashValue|USD')).toBe('107000.00');
    expect(later.get('NetLiquidation|USD')).toBe('126000.00');
  });

  it('a dividend: at the ex-date open the price drops, AccruedDividend and NetDividend show it, NLV holds; paid into cash on the pay date', async () => {
    let now = MIDDAY;
    const scenario = scenarioWithEvents(BASE_SCENARIO, dividend('AAPL', 0.5, '2026-11-19', '2026-11-20'));
    const { gateway } = await startTestGateway(scenario, { now: () => now });
    const client = await connectClient(gateway.port, 7);
    const before = await accountUpdates(client);
    expect(before.get('AccruedDividend|USD')).toBe('0.00');
    expect(before.get('NetDividend|BASE')).toBe('0.00');

    now = THU_10AM;
    const ex = await accountUpdates(client);
    expect(ex.get('AccruedDividend|USD')).toBe('50.00');
    expect(ex.get('AccruedDividend-S|USD')).toBe('50.00');
    expect(ex.get('NetDividend|BASE')).toBe('50.00');
    expect(ex.get('TotalCashValue|USD')).toBe('100000.00');
    // 100,000 + 100 x 189.50 + 50 accrued.
    expect(ex.get('NetLiquidation|USD')).toBe('119000.00');
    expect(ex.get('StockMarketValue|BASE')).toBe('18950.00');
    // As IB: the accrual is in the equity, not in the funds available until paid (initial margin 50% of 18,950).
    expect(ex.get('EquityWithLoanValue|USD')).toBe('119000.00');
    expect(ex.get('AvailableFunds|USD')).toBe((119_000 - 9_475 - 50).toFixed(2));
    // Yesterday's equity was 100,000 + 100 x 188.50 (the close before the ex-date).
    expect(ex.get('PreviousDayEquityWithLoanValue|USD')).toBe('118850.00');

    now = FRI_10AM;
    const paid = await summary(client);
    expect(paid.get('TotalCashValue|USD')).toBe('100050.00');
    expect(paid.get('NetLiquidation|USD')).toBe('119000.00');
    expect(paid.get('NetDividend|BASE')).toBe('0.00');
    expect((await accountUpdates(client)).get('AccruedDividend|USD')).toBe('0.00');
    expect(await executions(client)).toEqual([]);
  });
});
