import type { AccountSummary, BrokerPosition, CashLedger, PlanLine, Quote } from '../core/types.js';
import type { CashBalanceRecord, PositionRecord, SnapshotRecord } from '../ports/store.js';
import { referencePrice } from '../core/reference-price.js';
import { Exact, round2 } from '../core/money.js';

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
  const targetOf = new Map(lines.map((l) => [l.symbol, l.targetWeight]));
  // A position quoted in another currency is valued in the account's at the rate the plan used for it.
  const rateOf = new Map(lines.flatMap((l) => (l.fx === undefined ? [] : [[l.symbol, l.fx.rate] as const])));
  const records = positions
    .filter((p) => p.quantity !== 0)
    .map((p): PositionRecord => {
      const price = referencePrice(quotes[p.symbol]) ?? p.avgCost;
      const marketValue = round2(new Exact(p.quantity).times(price).times(rateOf.get(p.symbol) ?? 1));
      return {
        symbol: p.symbol,
        quantity: p.quantity,
        avgCost: p.avgCost,
        marketPrice: price,
        marketValue,
        weight: nlv > 0 ? marketValue / nlv : 0,
        targetWeight: targetOf.get(p.symbol) ?? 0,
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
