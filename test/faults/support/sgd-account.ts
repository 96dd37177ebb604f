/**
 * The SGD account of the fault matrix's currency rows (45-53): SGD 300,000 and USD 1,000.50 in cash, 40 SPY; a
 * forecast of SPY 0.25, IEF 0.2 (US ETFs, in USD) and VUKE 0.3 (LSEETF, in GBP). At 10:35 New York (15:35 London) both
 * markets and IDEALPRO are open and the plan buys IEF 508, SPY 60 and VUKE 1,622. The USD rate comes from the account's
 * ledger (it holds dollars), the GBP rate from IDEALPRO's GBP.SGD quote (it holds no pounds).
 */
import { ACCOUNT, workspace, type Workspace } from './kit.js';

export const RATES = { USD: 1.3502, GBP: 1.7215 } as const;
export const CURRENCY_OF: Record<string, keyof typeof RATES> = { IEF: 'USD', SPY: 'USD', VUKE: 'GBP' };

/** The scenario, with `over` laid over it. */
export function sgdScenario(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    account: ACCOUNT,
    currency: 'SGD',
    cash: { SGD: 300_000, USD: 1_000.5 },
    exchangeRates: RATES,
    positions: { SPY: { quantity: 40, avgCost: 590 } },
    quotes: {
      SPY: { bid: 600.1, ask: 600.14, last: 600.12, close: 598.7 },
      IEF: { bid: 95.33, ask: 95.35, last: 95.34, close: 95.2 },
      VUKE: { bid: 35.12, ask: 35.16, last: 35.14, close: 35.0 },
    },
    contracts: {
      SPY: { primaryExchange: 'ARCA', currency: 'USD' },
      IEF: { primaryExchange: 'NASDAQ', currency: 'USD' },
      VUKE: { primaryExchange: 'LSEETF', currency: 'GBP' },
    },
    fills: { partialFillProbability: 0 },
    ...over,
  };
}

/** What the first plan buys up to; a resend would overshoot. */
export const TARGETS = { IEF: 508, SPY: 100, VUKE: 1622 };

/** The forecast: VUKE named as IB lists it (LSEETF, GBP); the US ETFs need no hint. */
export function sgdWorkspace(): Workspace {
  return workspace({
    strategy: 'global',
    asOf: '2026-11-23T14:00:00Z',
    leverage: 1,
    capital: 1,
    weights: { SPY: 0.25, IEF: 0.2, VUKE: 0.3 },
    contracts: { VUKE: { primaryExchange: 'LSEETF', currency: 'GBP' } },
  });
}
