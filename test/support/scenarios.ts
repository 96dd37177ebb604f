/** The small account most broker tests trade: cash, one AAPL position, and four stocks with quotes and contracts. */
export function fourStocks(account: string): Record<string, unknown> {
  return {
    account,
    cash: 100_000,
    positions: { AAPL: { quantity: 100, avgCost: 150 } },
    quotes: {
      AAPL: { bid: 189.98, ask: 190.02, last: 190, close: 188.5 },
      MSFT: { bid: 409.9, ask: 410.1, last: 410, close: 405 },
      SPY: { bid: 599.95, ask: 600.05, last: 600, close: 598 },
      KO: { bid: 62.49, ask: 62.51, last: 62.5, close: 62 },
    },
    contracts: {
      AAPL: { minTick: 0.01, primaryExchange: 'NASDAQ' },
      MSFT: { minTick: 0.01, primaryExchange: 'NASDAQ' },
      SPY: { minTick: 0.01, primaryExchange: 'ARCA' },
      KO: { minTick: 0.01, primaryExchange: 'NYSE' },
    },
  };
}

/** A scheduled scenario event (see src/sim/scenario-events.ts): a cash flow or a dividend. */
export type ScenarioEvent =
  | { type: 'deposit' | 'withdrawal'; at: string; amount: number; currency?: string }
  | { type: 'interest' | 'fee'; at: string; amount: number }
  | { type: 'dividend'; symbol: string; amountPerShare: number; exDate: string; payDate: string };

/** The scenario with these events added to its `events` (after any it already has). */
export function scenarioWithEvents(scenario: Record<string, unknown>, ...events: ScenarioEvent[]): Record<string, unknown> {
  const before = Array.isArray(scenario.events) ? (scenario.events as unknown[]) : [];
  return { ...scenario, events: [...before, ...events] };
}

/** Cash moved in at `at` (ISO 8601 with its offset). */
export const deposit = (at: string, amount: number): ScenarioEvent => ({ type: 'deposit', at, amount });
/** Cash moved out at `at`. */
export const withdrawal = (at: string, amount: number): ScenarioEvent => ({ type: 'withdrawal', at, amount });
/** A cash dividend: the price drops and IB accrues it at 09:30 New York on `exDate`; cash moves on `payDate`. */
export const dividend = (symbol: string, amountPerShare: number, exDate: string, payDate: string): ScenarioEvent => ({
  type: 'dividend',
  symbol,
  amountPerShare,
  exDate,
  payDate,
});
