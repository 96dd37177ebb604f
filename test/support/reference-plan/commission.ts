// Test-only reference copy of src/core at 3c340bb (see test/support/reference-plan.ts). Do not edit.
import { Exact, type Cents, type Decimal, type Shares } from './money.js';
import type { CommissionModel, Side } from '../../../src/core/types.js';

/**
 * IB US stock commission schedules (per order), as published by IB for API/TWS orders.
 *
 * Fixed: USD 0.005 per share, at least USD 1.00, at most 1% of the trade value.
 * Tiered (first tier, <= 300,000 shares a month): USD 0.0035 per share, at least USD 0.35, at most 1% of
 * the trade value, plus clearing (NSCC/DTC, USD 0.00020 per share) and exchange fees (taken here as the
 * common remove-liquidity fee of USD 0.0030 per share: an estimate, Adaptive orders often pay less).
 * Both: on sales, the SEC transaction fee and the FINRA trading activity fee pass through.
 */
export const COMMISSION_SCHEDULE = {
  fixed: { perShare: '0.005', minimum: '1.00', maxPctOfValue: '0.01' },
  tiered: { perShare: '0.0035', minimum: '0.35', maxPctOfValue: '0.01', clearingPerShare: '0.00020', exchangePerShare: '0.0030' },
  /** SEC fee rate on the value sold (USD 27.80 per million). */
  secFeeRate: '0.0000278',
  /** FINRA TAF per share sold, capped per trade. */
  finraTafPerShare: '0.000166',
  finraTafMax: '8.30',
} as const;

/**
 * Estimated commission in USD for one order of `quantity` shares at `price`, rounded to the cent (up).
 * A zero quantity costs nothing.
 */
export function estimateCommission(model: CommissionModel, quantity: Shares, price: number, side: Side): Cents {
  if (!(quantity > 0) || !(price > 0)) return 0;
  const shares = new Exact(quantity);
  const value = shares.times(price);
  let fee: Decimal;
  if (model === 'fixed') {
    const s = COMMISSION_SCHEDULE.fixed;
    fee = clampCommission(shares.times(s.perShare), s.minimum, value.times(s.maxPctOfValue));
  } else {
    const s = COMMISSION_SCHEDULE.tiered;
    fee = clampCommission(shares.times(s.perShare), s.minimum, value.times(s.maxPctOfValue))
      .plus(shares.times(s.clearingPerShare))
      .plus(shares.times(s.exchangePerShare));
  }
  if (side === 'SELL') {
    fee = fee.plus(value.times(COMMISSION_SCHEDULE.secFeeRate));
    fee = fee.plus(Exact.min(shares.times(COMMISSION_SCHEDULE.finraTafPerShare), COMMISSION_SCHEDULE.finraTafMax));
  }
  return fee.toDecimalPlaces(2, Exact.ROUND_UP).toNumber();
}

/** IB's rule: the per-share charge, raised to the minimum, but never above the cap (the cap wins). */
function clampCommission(perShareTotal: Decimal, minimum: string, cap: Decimal): Decimal {
  return Exact.min(Exact.max(perShareTotal, minimum), cap);
}
