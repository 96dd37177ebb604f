import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { ibJob } from './support/ib-job.js';
import { ACCOUNT, useIbHarness } from './support/ib-harness.js';
import { EARLY_NEW_YORK, THANKSGIVING, UK_BANK_HOLIDAY, US_AND_LONDON_WEIGHTS, usAndLondon } from '../support/listings-abroad.js';

const h = useIbHarness();

/** The hourly job with BROKER=ib, over TCP to the simulated gateway, at `now` on both clocks. */
async function runAt(now: string, scenario = usAndLondon(ACCOUNT)) {
  const gateway = await h.gateway(scenario, { now });
  const asOf = DateTime.fromISO(now).minus({ hours: 1 }).toUTC().toISO() ?? now;
  const result = await ibJob(h.dir, gateway, now, { asOf, weights: { ...US_AND_LONDON_WEIGHTS } });
  const placed = gateway.placedOrders();
  // Nothing traded that no forecast asked for; nothing sent twice.
  expect(placed.every((o) => Object.keys(US_AND_LONDON_WEIGHTS).includes(o.symbol))).toBe(true);
  expect(new Set(placed.map((o) => o.orderRef)).size).toBe(placed.length);
  return { ...result, out: result.out.replace(/\n {4}/g, ' '), symbols: [...new Set(placed.map((o) => o.symbol))].sort() };
}

describe('each contract in its own market hours, with BROKER=ib over TCP', () => {
  it('the gateway sends the London listing with its own zone and hours (CLOSED on its holiday), as IB does', async () => {
    const gateway = await h.gateway(usAndLondon(ACCOUNT), { now: UK_BANK_HOLIDAY });
    const broker = h.broker(gateway.port, { now: () => UK_BANK_HOLIDAY });
    await broker.connect();
    const contracts = await broker.contractDetails(['CSPX', 'SPY'], {});
    expect(contracts.CSPX).toMatchObject({ primaryExchange: 'LSEETF', currency: 'USD', timeZone: 'GB-Eire' });
    expect(contracts.CSPX?.liquidHours).toMatch(/^20260831:CLOSED;20260901:0800-20260901:1630;/);
    expect(contracts.SPY).toMatchObject({ timeZone: 'US/Eastern' });
    expect(contracts.SPY?.liquidHours).toMatch(/^20260831:0930-20260831:1600;/);
  });

  it('on US Thanksgiving trades the London listing and leaves the US ones, saying why', async () => {
    const r = await runAt(THANKSGIVING);
    expect(r.code, r.out).toBe(0);
    expect(r.symbols).toEqual(['CSPX']);
    expect(r.out).toMatch(
      /SPY +0 +\d+ +NONE .* left for a later run \(market closed: ARCA, opens Fri 09:30 New York \(Thanksgiving Day\)\)/,
    );
  });

  it('on a UK bank holiday trades the US listings and leaves the London one', async () => {
    const r = await runAt(UK_BANK_HOLIDAY);
    expect(r.code, r.out).toBe(0);
    expect(r.symbols).toEqual(['QQQ', 'SPY']);
    expect(r.out).toMatch(/CSPX +0 +\d+ +NONE .* left for a later run \(market closed: LSEETF, opens Tue 08:00 London/);
  });

  it('at 04:35 New York trades only London (the zone as an IANA name)', async () => {
    const r = await runAt(EARLY_NEW_YORK, usAndLondon(ACCOUNT, 'Europe/London'));
    expect(r.code, r.out).toBe(0);
    expect(r.symbols).toEqual(['CSPX']);
    expect(r.out).toMatch(/left for a later run \(market closed: ARCA, opens 09:30 New York\)/);
  });
});
