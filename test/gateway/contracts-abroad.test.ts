import { type Contract } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { BASE_SCENARIO, connectNext, startTestGateway } from './helpers.js';

/** Contract details of listings abroad as IB sends them, read by @stoqey/ib's own decoder over TCP. */
const scenario = {
  ...BASE_SCENARIO,
  quotes: { ...BASE_SCENARIO.quotes, '2800': { bid: 25.5, ask: 25.55, last: 25.5 }, CSPX: { bid: 699.9, ask: 700.1 } },
  contracts: {
    ...BASE_SCENARIO.contracts,
    '2800': { primaryExchange: 'SEHK', currency: 'HKD' },
    CSPX: { primaryExchange: 'LSEETF', currency: 'USD', timeZone: 'Europe/London', hours: { closed: ['2026-11-20'] } },
  },
};
const stock = (symbol: string, currency: string): Contract => ({
  symbol,
  secType: 'STK' as Contract['secType'],
  exchange: 'SMART',
  currency,
});

describe('contract details of listings abroad', () => {
  it('Hong Kong: its zone id, two sessions a day around lunch, valid on SEHK alone', async () => {
    const { gateway } = await startTestGateway(scenario);
    const { ib } = connectNext(gateway.port, 9);
    const [d] = await ib.getContractDetails(stock('2800', 'HKD'));
    expect(d?.contract.primaryExch).toBe('SEHK');
    expect(d?.timeZoneId).toBe('Hongkong');
    expect(d?.validExchanges).toBe('SEHK');
    // Wednesday 18 November 2026, 12:00 New York: Thursday 01:00 in Hong Kong.
    expect(d?.liquidHours?.split(';').slice(0, 3)).toEqual([
      '20261119:0930-20261119:1200,20261119:1300-20261119:1600',
      '20261120:0930-20261120:1200,20261120:1300-20261120:1600',
      '20261121:CLOSED',
    ]);
  });

  it('London: the IANA name when the scenario says so, and the scenario holiday CLOSED', async () => {
    const { gateway } = await startTestGateway(scenario);
    const { ib } = connectNext(gateway.port, 9);
    const [d] = await ib.getContractDetails(stock('CSPX', 'USD'));
    expect(d?.timeZoneId).toBe('Europe/London');
    expect(d?.validExchanges).toBe('SMART,LSEETF');
    expect(d?.liquidHours?.split(';').slice(0, 3)).toEqual([
      '20261118:0800-20261118:1630',
      '20261119:0800-20261119:1630',
      '20261120:CLOSED',
    ]);
  });
});
