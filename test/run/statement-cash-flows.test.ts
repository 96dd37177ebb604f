/**
 * Cash flows from the broker's statement: when a run cannot infer what moved between two readings (here shares
 * came in with no execution, so the change in cash is not to be trusted), the statement of the whole days between
 * them says what was deposited, withdrawn, paid as interest or charged as fees. Dividends are left out (IB accrues
 * them in NLV). A statement that cannot be had leaves the flows unknown, and the breakers judge NLV as it is.
 */
import { describe, expect, it } from 'vitest';
import { runRebalance } from '../../src/run/rebalance-run.js';
import { previewPlan } from '../../src/run/preview-plan.js';
import { statementFlows } from '../../src/core/cash-flows.js';
import { wholeDaysBetween } from '../../src/run/measure-cash-flows.js';
import { StatementError, type BrokerStatement, type StatementCashTransaction, type StatementSource } from '../../src/ports/statements.js';
import { memoryRun, runIdAt, seedEarlierRun, type MemoryRun } from '../support/memory-ports.js';
import { anAccountSummary, aPosition } from '../support/scripted-broker.js';

const FRIDAY = '2026-11-20T20:35:00Z';
const MONDAY = '2026-11-23T15:35:00Z';

const booking = (over: Partial<StatementCashTransaction> = {}): StatementCashTransaction => ({
  transactionId: '3001',
  type: 'Deposits/Withdrawals',
  symbol: '',
  assetCategory: '',
  currency: 'USD',
  amount: '15000',
  date: '2026-11-21',
  description: 'CASH RECEIPTS / ELECTRONIC FUND TRANSFERS',
  ...over,
});

class Statements implements StatementSource {
  readonly name = 'test statements';
  readonly asked: [string, string][] = [];
  constructor(private readonly answer: () => Partial<BrokerStatement> | Error) {}
  statement(_account: string, fromDate: string, toDate: string): Promise<BrokerStatement> {
    this.asked.push([fromDate, toDate]);
    const a = this.answer();
    if (a instanceof Error) return Promise.reject(a);
    return Promise.resolve({ fromDate, toDate, generatedAt: MONDAY, executions: [], ...a });
  }
}

/** Friday's reading: 81,000 cash, 100 AAPL. Monday: 15,000 deposited on Saturday, and 10 MSFT transferred in (no execution). */
function mondayAfterADeposit(statements?: StatementSource): MemoryRun {
  const run = memoryRun({ now: MONDAY });
  const friday = seedEarlierRun(run, FRIDAY, { nlv: 100_000 });
  run.store.recordAccountRead({
    runId: friday,
    readAt: FRIDAY,
    tradingDay: '2026-11-20',
    cash: 81_000,
    netLiquidation: 100_000,
    currency: 'USD',
    positions: { AAPL: 100 },
  });
  run.broker.script.summary = anAccountSummary({
    netLiquidation: 119_100,
    totalCash: 96_000,
    grossPositionValue: 23_100,
    excessLiquidity: 110_000,
    cushion: 0.92,
  });
  run.broker.script.positions = [aPosition('AAPL', 100, { avgCost: 150 }), aPosition('MSFT', 10, { avgCost: 400 })];
  if (statements !== undefined) run.statements = statements;
  return run;
}

describe('cash flows from the statement, when none could be inferred', () => {
  it("the weekend's deposit, booked in the statement, is taken out: no NAV_JUMP; recorded once as the statement's", async () => {
    const statements = new Statements(() => ({ cashTransactions: [booking()] }));
    const run = mondayAfterADeposit(statements);
    const result = await runRebalance(run);
    expect(statements.asked).toEqual([['2026-11-21', '2026-11-22']]);
    expect(result.breaches.map((b) => b.code)).not.toContain('NAV_JUMP');
    expect(result.notices.some((n) => n.includes("cash flows from the broker's statement") && n.includes('+15,000.00 deposit'))).toBe(true);
    expect(run.db.cashFlows).toEqual([
      expect.objectContaining({ id: 'statement:3001', amount: 15_000, kind: 'deposit', source: 'statement', runId: runIdAt(MONDAY) }),
    ]);
  });

  it('`plan` reads the statement as the run does: it shows no NAV_JUMP either, and records nothing', async () => {
    const run = mondayAfterADeposit(new Statements(() => ({ cashTransactions: [booking()] })));
    const preview = await previewPlan(run, run.settings, MONDAY);
    expect(preview.plan?.breaches.map((b) => b.code)).not.toContain('NAV_JUMP');
    expect(run.db.cashFlows).toEqual([]);
  });

  it('without statements, or when the statement fails, nothing is taken out: NAV_JUMP blocks as before', async () => {
    const plain = await runRebalance(mondayAfterADeposit());
    expect(plain.breaches.map((b) => b.code)).toContain('NAV_JUMP');
    const failing = mondayAfterADeposit(new Statements(() => new StatementError('IB Flex 1018: too many requests', true, 1018)));
    const failed = await runRebalance(failing);
    expect(failed.breaches.map((b) => b.code)).toContain('NAV_JUMP');
    expect(failing.lines.join('\n')).toContain('the statement could not say: test statements: IB Flex 1018');
    expect(failing.db.cashFlows).toEqual([]);
  });

  it('a dividend or a booking in another currency is not a flow (IB accrues dividends in NLV): NAV_JUMP stands', async () => {
    const statements = new Statements(() => ({
      cashTransactions: [booking({ type: 'Dividends', amount: '15000' }), booking({ transactionId: '3002', currency: 'EUR' })],
    }));
    const result = await runRebalance(mondayAfterADeposit(statements));
    expect(result.breaches.map((b) => b.code)).toContain('NAV_JUMP');
  });
});

describe('statementFlows and wholeDaysBetween', () => {
  it('keeps deposits, withdrawals, interest and fees of the days asked, in the account currency, with their kind', () => {
    const flows = statementFlows(
      [
        booking(),
        booking({ transactionId: 'w', amount: '-8000.5' }),
        booking({ transactionId: 'i', type: 'Broker Interest Paid', amount: '-1.85' }),
        booking({ transactionId: 'f', type: 'Other Fees', amount: '-10' }),
        booking({ transactionId: 'd', type: 'Dividends' }),
        booking({ transactionId: 'x', date: '2026-11-23' }),
        booking({ transactionId: 'z', amount: '0' }),
      ],
      { currency: 'USD', days: new Set(['2026-11-21', '2026-11-22']) },
    );
    expect(flows.map((f) => [f.transactionId, f.kind, f.amount])).toEqual([
      ['3001', 'deposit', 15_000],
      ['w', 'withdrawal', -8000.5],
      ['i', 'interest', -1.85],
      ['f', 'fee', -10],
    ]);
  });

  it('the whole New York days between two readings: none within a day, the weekend between Friday and Monday', () => {
    expect(wholeDaysBetween(FRIDAY, MONDAY)).toEqual(['2026-11-21', '2026-11-22']);
    expect(wholeDaysBetween('2026-11-23T14:35:00Z', '2026-11-23T20:35:00Z')).toEqual([]);
    // Friday 23:30 New York is Saturday in UTC: still Friday's day.
    expect(wholeDaysBetween('2026-11-21T04:30:00Z', '2026-11-22T15:00:00Z')).toEqual(['2026-11-21']);
  });
});
