/**
 * An account holding US ETFs beside a London listing quoted in USD (an LSEETF share class such as CSPX), for the
 * tests of each contract trading in its own market's hours. The London listing's holidays come only from the
 * scenario (`hours.closed`): the UK's late summer bank holiday and Christmas ones of 2026.
 */
export function usAndLondon(account: string, timeZone = 'GB-Eire'): Record<string, unknown> {
  return {
    account,
    cash: 100_000,
    quotes: {
      SPY: { bid: 599.95, ask: 600.05, last: 600, close: 598 },
      QQQ: { bid: 499.95, ask: 500.05, last: 500, close: 498 },
      CSPX: { bid: 699.9, ask: 700.1, last: 700, close: 698 },
    },
    contracts: {
      SPY: { minTick: 0.01, primaryExchange: 'ARCA' },
      QQQ: { minTick: 0.01, primaryExchange: 'NASDAQ' },
      CSPX: {
        minTick: 0.01,
        primaryExchange: 'LSEETF',
        currency: 'USD',
        timeZone,
        hours: { closed: ['2026-08-31', '2026-12-25', '2026-12-28'] },
      },
    },
    fills: { partialFillProbability: 0 },
  };
}

/** The forecast of the tests: a third of NLV in each listing. */
export const US_AND_LONDON_WEIGHTS = { SPY: 0.3, QQQ: 0.3, CSPX: 0.3 } as const;

/** US Thanksgiving 2026, 10:35 New York (15:35 London): the NYSE closed, London open. */
export const THANKSGIVING = '2026-11-26T15:35:00Z';
/** The UK's summer bank holiday 2026 (Monday 31 August), 10:35 New York: the NYSE open, London closed. */
export const UK_BANK_HOLIDAY = '2026-08-31T14:35:00Z';
/** Tuesday 24 November 2026, 04:35 New York (09:35 London): only London is open. */
export const EARLY_NEW_YORK = '2026-11-24T09:35:00Z';
/** Monday 28 December 2026 (the UK's Boxing Day holiday, moved), 10:35 New York: the NYSE open, London closed. */
export const UK_BOXING_DAY_OBSERVED = '2026-12-28T15:35:00Z';
