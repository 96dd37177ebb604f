/**
 * The plan table the console shows (`rebalancer plan`, and the `== plan` section of every run, which cron.log
 * keeps): a blocked plan must not read as the orders it would send. HALTED and REDUCING say so first, and each
 * line held back shows NONE with what it would have done, as such.
 */
import { describe, expect, it } from 'vitest';
import { formatPlan, tradingBanner } from '../../src/run/console-report.js';
import { applyTradingState, blockLine, tradingStateFor } from '../../src/core/trading-state.js';
import type { Breach, Plan, PlanLine } from '../../src/core/types.js';
import { aLine, aQuietLine } from '../core/builders.js';

// As plan-lines.ts words them: "<SIDE> <qty>: why".
const buy = aLine({ reason: 'BUY 20: target 22.80% of NLV ($22,800.00) at 190.00 = 120 sh, hold 100' });
const sell = aLine({
  symbol: 'TLT',
  action: 'SELL',
  quantity: 30,
  currentQuantity: 30,
  targetQuantity: 0,
  referencePrice: 90,
  limitPrice: 89.91,
  tradeValue: 2_700,
  reason: 'SELL 30: no longer in any forecast, closing to zero (hold 30 at 90.00)',
});
const quiet = aQuietLine({ symbol: 'SPY', referencePrice: 600, reason: 'NONE: at target; target 10.00% of NLV' });

function planOf(lines: PlanLine[], breaches: Breach[]): Plan {
  const tradingState = tradingStateFor(breaches);
  return {
    now: '2026-11-23T15:35:00Z',
    netLiquidation: 100_000,
    sizingNetLiquidation: 98_000,
    lines: applyTradingState(lines, tradingState, breaches),
    breaches,
    tradingState,
    leverageBefore: 0.5,
    leverageAfter: 0.5,
    turnoverPct: 0,
  };
}

/** The table row of a ticker, and the indented why lines under it joined by a space. */
function rowOf(output: string[], symbol: string): string {
  const at = output.findIndex((l) => l.startsWith(`${symbol} `));
  if (at < 0) throw new Error(`no row for ${symbol} in\n${output.join('\n')}`);
  const why: string[] = [];
  for (let i = at + 1; i < output.length && (output[i] ?? '').startsWith('    '); i++) why.push((output[i] ?? '').trim());
  return `${output[at] ?? ''} | ${why.join(' ')}`;
}

const killSwitch: Breach = { code: 'KILL_SWITCH', detail: 'halted since 2026-11-23T14:00:00Z by operator: checking a fill' };
const stale: Breach = { code: 'STALE_FORECAST', detail: 'trend.json: asOf is 3 days old' };
const margin: Breach = { code: 'MARGIN_CUSHION', detail: 'cushion 4% below 10%' };

describe('formatPlan', () => {
  it('ACTIVE: no banner; each order in the ACTION and QTY columns; the reasons as they are', () => {
    const breach = { symbol: 'MSFT', ledgerQuantity: 10, brokerQuantity: 12, difference: 2 };
    const broken = blockLine(aLine({ symbol: 'MSFT', reason: 'BUY 20: toward 120' }), 'POSITION_BREAK: ledger 10 vs broker 12 (+2)');
    const plan = planOf([buy, sell, quiet, { ...broken, positionBreak: breach }], []);
    expect(plan.tradingState).toBe('ACTIVE');
    const out = formatPlan(plan);
    expect(tradingBanner(plan)).toBeUndefined();
    expect(out[0]).toMatch(/^NLV 100,000\.00, sized on 98,000\.00/);
    expect(rowOf(out, 'AAPL')).toMatch(/^AAPL\s+100\s+120\s+BUY\s+20\s+190\.19\s+190\s+3,800\.00\s+1\.40 \| target 22\.80%/);
    expect(rowOf(out, 'TLT')).toMatch(/^TLT\s+30\s+0\s+SELL\s+30\s+89\.91\s+90\s+2,700\.00\s+[\d.]+ \| no longer in any forecast/);
    expect(rowOf(out, 'SPY')).toMatch(/\bNONE\s+600 \| at target/);
    // A ticker held by its own breach keeps its own label: the run is not blocked.
    expect(rowOf(out, 'MSFT')).toMatch(
      /\bNONE\s+190 \| blocked \(POSITION_BREAK: ledger 10 vs broker 12 \(\+2\)\): would have BUY 20 @ 190\.19; BUY 20: toward 120$/,
    );
  });

  it('HALTED: says so first, with the codes; every line NONE, each order held back said as such, and no row longer than before', () => {
    const plan = planOf([buy, sell, quiet], [killSwitch, stale]);
    expect(plan.tradingState).toBe('HALTED');
    const out = formatPlan(plan);
    expect(out[0]).toBe('TRADING HALTED: nothing would be sent (KILL_SWITCH, STALE_FORECAST)');
    expect(tradingBanner(plan)).toBe(out[0]);
    expect(out[1]).toMatch(/^NLV /);
    const table = out.slice(2);
    const rows = table.slice(2).filter((l) => !l.startsWith('    '));
    expect(rows).toHaveLength(3);
    // Nothing in the ACTION or QTY columns reads as an order.
    for (const row of rows) expect(row).toMatch(/^\S+\s+\d+\s+\d+\s+NONE\s/);
    expect(rowOf(out, 'TLT')).toMatch(
      /^TLT\s+30\s+0\s+NONE\s+90 \| HALTED: would have SELL 30 @ 89\.91; no longer in any forecast, closing to zero \(hold 30 at 90\.00\)$/,
    );
    expect(rowOf(out, 'AAPL')).toMatch(/^AAPL\s+100\s+120\s+NONE\s+190 \| HALTED: would have BUY 20 @ 190\.19; target 22\.80% of NLV/);
    expect(rowOf(out, 'SPY')).toMatch(/\| at target; target 10\.00% of NLV$/);
    // The codes are said once, in the banner; the rows got shorter than the stored reasons made them.
    expect(table.every((row) => !row.includes('KILL_SWITCH'))).toBe(true);
    const widest = Math.max(...table.map((row) => row.length));
    expect(widest).toBeLessThan(formatPlanAsBefore(plan));
  });

  it('HALTED with no order planned: the banner all the same', () => {
    const plan = planOf([quiet], [killSwitch]);
    expect(formatPlan(plan)[0]).toBe('TRADING HALTED: nothing would be sent (KILL_SWITCH)');
  });

  it('REDUCING: says which orders would still go and how many are held back; a held-back line is NONE with its order as such', () => {
    const plan = planOf([buy, sell, quiet], [margin]);
    expect(plan.tradingState).toBe('REDUCING');
    const out = formatPlan(plan);
    expect(out[0]).toBe('TRADING REDUCING: only orders that shrink a position would be sent (MARGIN_CUSHION): SELL 30 TLT; 1 held back');
    expect(rowOf(out, 'TLT')).toMatch(/^TLT\s+30\s+0\s+SELL\s+30\s+89\.91\s+90\s+2,700\.00\s+[\d.]+ \| no longer in any forecast/);
    expect(rowOf(out, 'AAPL')).toMatch(/^AAPL\s+100\s+120\s+NONE\s+190 \| REDUCING: would have BUY 20 @ 190\.19; target 22\.80% of NLV/);
  });

  it('REDUCING with no order that shrinks a position: nothing would be sent, said so', () => {
    const plan = planOf([buy, quiet], [margin]);
    expect(formatPlan(plan)[0]).toBe(
      'TRADING REDUCING: only orders that shrink a position would be sent (MARGIN_CUSHION): none does, nothing would be sent; 1 held back',
    );
  });

  it('keeps every line of cron.log readable: the why goes under its row, wrapped at 110 characters, nothing cut', () => {
    const long = aLine({
      symbol: 'BRK B',
      reason:
        'BUY 20: target 22.80% of NLV ($22,800.00 = 98,000.00 x cap 1 x lev 1 x w 0.1) at 190.00 = 120 sh, hold 100; ' +
        'held to 20 by MAX_ORDER_VALUE ($5,000.00 at most per order) and by the ticker cap of trend.json (25% of NLV)',
    });
    const out = formatPlan(planOf([long, sell], []));
    expect(Math.max(...out.map((l) => l.length))).toBeLessThanOrEqual(110);
    const at = out.findIndex((l) => l.startsWith('BRK B '));
    expect(out[at + 1]).toMatch(/^ {4}target 22\.80% of NLV/);
    expect(out[at + 2]).toMatch(/^ {4}\S/);
    // Every word of the reason is there, in order.
    expect(rowOf(out, 'BRK B').split(' | ')[1]).toBe(long.reason.slice('BUY 20: '.length));
  });

  it('a reason not in the blocked form is shown as it is', () => {
    const odd = aQuietLine({ symbol: 'GLD', reason: 'blocked (HALTED something else' });
    const plan = { ...planOf([quiet], [killSwitch]), lines: [odd] };
    expect(rowOf(formatPlan(plan), 'GLD')).toMatch(/blocked \(HALTED something else$/);
  });
});

/** The widest row of the table as it was printed before: the stored reason ("blocked (HALTED: KILL_SWITCH, ...): would have SELL 30 @ ...; SELL 30: ...") in the WHY column. */
function formatPlanAsBefore(plan: Plan): number {
  const asStored = formatPlan({ ...plan, tradingState: 'ACTIVE', breaches: [] });
  return Math.max(...asStored.slice(1).map((row) => row.length));
}
