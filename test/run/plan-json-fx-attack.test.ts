/**
 * `rebalancer plan --json` of a line quoted in pence (issue 15): its prices (referencePrice, limitPrice) are in pence,
 * so the JSON must say so, or a reader takes 3515 for 3,515 pounds (100 times the price).
 */
import { describe, expect, it } from 'vitest';
import { planRebalance } from '../../src/core/plan-rebalance.js';
import { planJson } from '../../src/run/preview-plan.js';
import { anAccount, aForecast, someInputs } from '../core/builders.js';

describe('plan --json of a line quoted in pence', () => {
  it('names the price magnifier beside the prices (null for a line in the currency itself)', () => {
    const plan = planRebalance(
      someInputs({
        account: anAccount({ currency: 'SGD', netLiquidation: 250_000, cushion: 0.6 }),
        positions: [],
        quotes: {
          VOD: { symbol: 'VOD', bid: 3514, ask: 3516, close: 3510 },
          D05: { symbol: 'D05', bid: 45.08, ask: 45.12, close: 45 },
        },
        contracts: {
          VOD: { symbol: 'VOD', minTick: 0.5, primaryExchange: 'LSE', currency: 'GBP', priceMagnifier: 100 },
          D05: { symbol: 'D05', minTick: 0.01, primaryExchange: 'SGX', currency: 'SGD' },
        },
        forecasts: [aForecast({ weights: { VOD: 0.05, D05: 0.05 } })],
        managedSymbols: ['VOD', 'D05'],
        exchangeRates: { GBP: { rate: 1.7215, at: '2026-11-23T15:30:00Z', source: 'IDEALPRO GBP.SGD midpoint' } },
      }),
    );
    const json = planJson({ now: '2026-11-23T15:30:00Z', plan, breaches: [], marketOpen: true, phaseReason: 'open', sessionWarnings: [] });
    const orders = json['orders'] as Record<string, unknown>[];
    const vod = orders.find((o) => o['symbol'] === 'VOD');
    const d05 = orders.find((o) => o['symbol'] === 'D05');
    expect(vod).toMatchObject({ referencePrice: 3515, currency: 'GBP', priceMagnifier: 100 });
    expect(d05).toMatchObject({ currency: 'SGD', priceMagnifier: null, fx: null });
  });
});
