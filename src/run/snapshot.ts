import type { AccountSummary, BrokerPosition, CashLedger, PlanLine, Quote } from '../core/types.js';
import type { CashBalanceRecord, PositionRecord, SnapshotRecord } from '../ports/store.js';
import { referencePrice } from '../core/reference-price.js';
import { Exact, round2 } from '../core/money.js';
import { shareValueDecimal } from '../core/share-value.js';

/**
 * Step 9: the account as it stands at the end of the run, with each position's weight next to the
 * target weight the plan gave it (0 for positions the plan did not target). Market values are in the account's
 * currency (a position quoted in another converted at the plan's rate); prices are the contract's.
 */
export function buildSnapshot(
  summary: AccountSummary,
  positions: BrokerPosition[],
  quotes: Record<string, Quote>,
  lines: PlanLine[],
): { snapshot: SnapshotRecord; positions: PositionRecord[] } {
  const nlv = summary.netLiquidation;
  // Each position's target weight, and its valuation: one quoted in another currency (or in pence) is valued in the
  // account's as the plan valued it.
  const lineOf = new Map(lines.map((l) => [l.symbol, l]));
  const records = positions
    .filter((p) => p.quantity !== 0)
    .map((p): PositionRecord => {
      const quoted = referencePrice(quotes[p.symbol]);
      const line = lineOf.get(p.symbol);
      // IB's average cost is in the currency's major unit (pounds for a line quoted in pence): without a quote the
      // price is the average cost in the line's quote units (x its magnifier), so every row of the line is in pence.
      const magnifier = line?.priceMagnifier;
      const price = quoted ?? (magnifier === undefined ? p.avgCost : new Exact(p.avgCost).times(magnifier).toNumber());
      const valuation = line ?? {};
      const marketValue = round2(new Exact(p.quantity).times(shareValueDecimal(price, valuation)));
      return {
        symbol: p.symbol,
        quantity: p.quantity,
        avgCost: p.avgCost,
        marketPrice: price,
        marketValue,
        weight: nlv > 0 ? marketValue / nlv : 0,
        targetWeight: line?.targetWeight ?? 0,
        ...(line?.fx === undefined ? {} : { fxRate: line.fx.rate }),
      };
    })
    .sort((a, b) => a.symbol.localeCompare(b.symbol));
  return {
    snapshot: {
      netLiquidation: nlv,
      cash: summary.totalCash,
      grossPositionValue: summary.grossPositionValue,
      leverage: nlv > 0 ? summary.grossPositionValue / nlv : 0,
      maintMargin: summary.maintMargin,
      excessLiquidity: summary.excessLiquidity,
      cushion: summary.cushion,
      currency: summary.currency,
      ...(summary.cashLedger === undefined ? {} : { cashBalances: cashBalancesOf(summary.cashLedger) }),
    },
    positions: records,
  };
}

/** The cash per currency as recorded: each balance with the time its rate was read (and the broker's time). */
function cashBalancesOf(ledger: CashLedger): CashBalanceRecord[] {
  return ledger.balances.map((b) => ({
    currency: b.currency,
    cash: b.cash,
    ...(b.exchangeRate === undefined ? {} : { exchangeRate: b.exchangeRate }),
    rateReadAt: ledger.ratesReadAt,
    ...(ledger.brokerTime === undefined ? {} : { brokerTime: ledger.brokerTime }),
  }));
}
