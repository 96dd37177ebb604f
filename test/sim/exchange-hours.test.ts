import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { liquidHoursText, simHoursOf } from '../../src/sim/exchange-hours.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { SimAccount } from '../../src/sim/sim-account.js';
import type { OrderRequest } from '../../src/core/types.js';
import { usAndLondon } from '../support/listings-abroad.js';

/** Listings abroad in the simulators: their hours as contract details carry them, and orders worked in them. */

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exchange-hours-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const parse = (contract: Record<string, unknown>) =>
  parseScenario(JSON.stringify({ contracts: { X: contract } }), 'scenario.json').contracts.X ?? {};

describe('the hours of a listing abroad', () => {
  it('Hong Kong by the table: two ranges around lunch, weekends CLOSED, in Hong Kong time, zone id Hongkong', () => {
    const hours = simHoursOf(parse({ primaryExchange: 'SEHK' }));
    expect(hours?.timeZone).toBe('Hongkong');
    // Friday 27 November 2026, 10:00 Hong Kong.
    expect(
      liquidHoursText(hours ?? { timeZone: '' }, '2026-11-27T02:00:00Z')
        .split(';')
        .slice(0, 4),
    ).toEqual([
      '20261127:0930-20261127:1200,20261127:1300-20261127:1600',
      '20261128:CLOSED',
      '20261129:CLOSED',
      '20261130:0930-20261130:1200,20261130:1300-20261130:1600',
    ]);
  });

  it('holidays and early closes only from the scenario', () => {
    const hours = simHoursOf(
      parse({ primaryExchange: 'LSE', hours: { closed: ['2026-12-25', '2026-12-28'], earlyCloses: { '2026-12-24': '12:30' } } }),
    );
    expect(
      liquidHoursText(hours ?? { timeZone: '' }, '2026-12-23T10:00:00Z')
        .split(';')
        .slice(0, 6),
    ).toEqual([
      '20261223:0800-20261223:1630',
      '20261224:0800-20261224:1230',
      '20261225:CLOSED',
      '20261226:CLOSED',
      '20261227:CLOSED',
      '20261228:CLOSED',
    ]);
    // Without them, none is invented: Christmas is a weekday session by the table.
    expect(liquidHoursText(simHoursOf(parse({ primaryExchange: 'LSE' })) ?? { timeZone: '' }, '2026-12-25T10:00:00Z')).toMatch(
      /^20261225:0800-20261225:1630;/,
    );
  });

  it('verbatim liquid hours go out as written, an empty text included; a US listing has none of its own', () => {
    expect(simHoursOf(parse({ primaryExchange: 'LSEETF', liquidHours: '' }))).toEqual({ timeZone: 'GB-Eire', verbatim: '' });
    expect(simHoursOf(parse({ primaryExchange: 'ARCA' }))).toBeUndefined();
    expect(simHoursOf(parse({ primaryExchange: 'XYZ' }))).toBeUndefined();
  });

  it('a time zone id IB would not send is refused with the field named', () => {
    expect(() => parse({ primaryExchange: 'LSE', timeZone: 'Mars/Olympus' })).toThrow(ConfigError);
    expect(() => parse({ primaryExchange: 'LSE', timeZone: 'Mars/Olympus' })).toThrow(/contracts\.X\.timeZone: expected a time zone id/);
    expect(() => parse({ primaryExchange: 'LSE', hours: { sessions: ['8-16'] } })).toThrow(
      /contracts\.X\.hours\.sessions\.0: expected HH:mm-HH:mm/,
    );
  });
});

describe('orders of a listing abroad in the simulated account', () => {
  const cspx = (over: Partial<OrderRequest> = {}): OrderRequest => ({
    orderRef: 'rb:run-1:CSPX',
    symbol: 'CSPX',
    action: 'BUY',
    quantity: 10,
    limitPrice: 690,
    adaptivePriority: 'Normal',
    primaryExchange: 'LSEETF',
    currency: 'USD',
    ...over,
  });

  it('works in London hours: working at 04:35 New York, expired at the London close, not the New York one', async () => {
    const file = join(dir, 'scenario.json');
    await writeFile(file, JSON.stringify(usAndLondon('DU0000001')));
    const sim = SimAccount.open({ dataDir: join(dir, 'data'), scenarioFile: file, now: '2026-11-24T09:35:00Z', commissionModel: 'fixed' });
    expect(sim.contract('CSPX')).toMatchObject({
      timeZone: 'GB-Eire',
      liquidHours: expect.stringMatching(/^20261124:0800-20261124:1630;/),
    });
    expect(sim.contract('SPY')?.liquidHours).toBeUndefined();
    const london = sim.place(cspx()); // below the market: it rests
    const newYork = sim.place(cspx({ orderRef: 'rb:run-1:SPY', symbol: 'SPY', limitPrice: 590, primaryExchange: 'ARCA' }));
    expect(london.status).toBe('Submitted');
    expect(newYork.status).toBe('PreSubmitted');
    sim.advanceTo('2026-11-24T16:29:00Z');
    expect(sim.order(london.orderId)?.status).toBe('Submitted');
    sim.advanceTo('2026-11-24T16:31:00Z'); // 16:31 London
    expect(sim.order(london.orderId)?.status).toBe('Cancelled');
    expect(sim.order(newYork.orderId)?.status).toBe('Submitted');
    sim.advanceTo('2026-11-24T21:01:00Z'); // 16:01 New York
    expect(sim.order(newYork.orderId)?.status).toBe('Cancelled');
  });

  it('a marketable order fills in London hours', async () => {
    const file = join(dir, 'scenario.json');
    await writeFile(file, JSON.stringify(usAndLondon('DU0000001')));
    const sim = SimAccount.open({ dataDir: join(dir, 'data'), scenarioFile: file, now: '2026-11-24T09:35:00Z', commissionModel: 'fixed' });
    const order = sim.place(cspx({ limitPrice: 701 }));
    sim.advanceTo('2026-11-24T10:00:00Z');
    expect(sim.order(order.orderId)?.status).toBe('Filled');
    expect(sim.positions()).toEqual([expect.objectContaining({ symbol: 'CSPX', quantity: 10 })]);
  });
});
