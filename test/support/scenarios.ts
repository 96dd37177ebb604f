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
