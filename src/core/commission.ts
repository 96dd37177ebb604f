import { Exact, type Cents, type Decimal, type Shares } from './money.js';
import * as X from './scaled.js';
import type { Scaled } from './scaled.js';
import type { CommissionModel, Side } from './types.js';

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
  if (!Number.isFinite(quantity) || !Number.isFinite(price)) return estimateCommissionDecimal(model, quantity, price, side);
  // Exact integers of the decimals (scaled.ts): the same numbers as the Decimal version below, several times faster.
  const shares = X.scaledOf(quantity);
  const value = X.times(shares, X.scaledOf(price));
  let fee: Scaled;
  if (model === 'fixed') {
    const s = SCALED.fixed;
    fee = clampScaled(X.times(shares, s.perShare), s.minimum, X.times(value, s.maxPctOfValue));
  } else {
    const s = SCALED.tiered;
    fee = X.plus(
      X.plus(clampScaled(X.times(shares, s.perShare), s.minimum, X.times(value, s.maxPctOfValue)), X.times(shares, s.clearingPerShare)),
      X.times(shares, s.exchangePerShare),
    );
  }
  if (side === 'SELL') {
    fee = X.plus(fee, X.times(value, SCALED.secFeeRate));
    fee = X.plus(fee, minScaled(X.times(shares, SCALED.finraTafPerShare), SCALED.finraTafMax));
  }
  return X.toNumber(X.toPlaces(fee, 2, 'up'));
}

const SCALED = {
  fixed: {
    perShare: X.parseScaled(COMMISSION_SCHEDULE.fixed.perShare),
    minimum: X.parseScaled(COMMISSION_SCHEDULE.fixed.minimum),
    maxPctOfValue: X.parseScaled(COMMISSION_SCHEDULE.fixed.maxPctOfValue),
  },
  tiered: {
    perShare: X.parseScaled(COMMISSION_SCHEDULE.tiered.perShare),
    minimum: X.parseScaled(COMMISSION_SCHEDULE.tiered.minimum),
    maxPctOfValue: X.parseScaled(COMMISSION_SCHEDULE.tiered.maxPctOfValue),
    clearingPerShare: X.parseScaled(COMMISSION_SCHEDULE.tiered.clearingPerShare),
    exchangePerShare: X.parseScaled(COMMISSION_SCHEDULE.tiered.exchangePerShare),
  },
  secFeeRate: X.parseScaled(COMMISSION_SCHEDULE.secFeeRate),
  finraTafPerShare: X.parseScaled(COMMISSION_SCHEDULE.finraTafPerShare),
  finraTafMax: X.parseScaled(COMMISSION_SCHEDULE.finraTafMax),
};

function minScaled(a: Scaled, b: Scaled): Scaled {
  return X.compare(b, a) < 0 ? b : a;
}

/** clampCommission in integers. */
function clampScaled(perShareTotal: Scaled, minimum: Scaled, cap: Scaled): Scaled {
  const raised = X.compare(minimum, perShareTotal) > 0 ? minimum : perShareTotal;
  return minScaled(raised, cap);
}

/** The same estimate in Decimal, for a quantity or price that overflowed a double (Infinity): Decimal carries it. */
function estimateCommissionDecimal(model: CommissionModel, quantity: Shares, price: number, side: Side): Cents {
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
