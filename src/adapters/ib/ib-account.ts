/**
 * Account summary and positions over an IB session.
 */
import type { AccountSummary, BrokerPosition } from '../../core/types.js';
import { BrokerError } from '../../ports/broker.js';
import { silentLog, type IbLog } from './ib-log.js';
import { ledgerValue, readCashLedger, type SummaryRow } from './ib-ledger.js';
import type { IbSession } from './ib-session.js';

/** The tags the run needs, as IB names them. */
const SUMMARY_TAGS = {
  netLiquidation: 'NetLiquidation',
  totalCash: 'TotalCashValue',
  grossPositionValue: 'GrossPositionValue',
  maintMargin: 'MaintMarginReq',
  excessLiquidity: 'ExcessLiquidity',
  cushion: 'Cushion',
} as const;

/**
 * The account's summary figures. Every tag must be present and numeric, or the call fails. With them, the cash
 * per currency and IB's exchange rates (`$LEDGER:ALL`, see ib-ledger.ts), stamped with `now()` on receipt.
 */
export async function readAccountSummary(
  session: IbSession,
  account: string,
  timeoutMs: number,
  options: { now?: () => string; log?: IbLog } = {},
): Promise<AccountSummary> {
  const rows = new Map<string, { value: string; currency: string }>();
  const ledgerRows: SummaryRow[] = [];
  const seen = new Set<string>();
  let reqId: number | undefined;
  try {
    await session.operation<void>({
      label: 'account summary',
      timeoutMs,
      listen: (ctx) => {
        reqId = ctx.id;
        return [
          session.events.on('accountSummary', (id, acct, tag, value, currency) => {
            if (id !== ctx.id) return;
            seen.add(acct);
            if (acct !== account) return;
            // Ledger rows repeat a key per currency: kept apart, so one currency's row never hides another's.
            if (currency === 'BASE' || !ACCOUNT_TAGS.has(tag)) ledgerRows.push({ tag, value, currency });
            else rows.set(tag, { value, currency });
          }),
          session.events.on('accountSummaryEnd', (id) => id === ctx.id && ctx.resolve()),
        ];
      },
      // $LEDGER:ALL: the ledger of BASE (NetDividend: dividends accrued, not yet paid) and of every currency held.
      send: (api, id) => api.reqAccountSummary(id, 'All', [...Object.values(SUMMARY_TAGS), '$LEDGER:ALL'].join(',')),
    });
  } finally {
    // IB keeps a summary subscription open until cancelled, and allows only two at once.
    const id = reqId;
    if (id !== undefined) void session.send((api) => api.cancelAccountSummary(id)).catch(() => undefined);
  }
  if (!seen.has(account)) {
    throw new BrokerError(
      `account ${account} is not managed by this login (${[...seen].join(', ') || 'no accounts in the summary'})`,
      'rejected',
    );
  }
  const figure = (tag: string): number => {
    const raw = rows.get(tag)?.value;
    const value = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(value))
      throw new BrokerError(`account summary of ${account}: ${tag} is ${raw === undefined ? 'missing' : `"${raw}"`}`, 'fatal');
    return value;
  };
  const currency = rows.get(SUMMARY_TAGS.netLiquidation)?.currency || 'USD';
  const receivedAt = (options.now ?? (() => new Date().toISOString()))();
  const cashLedger = readCashLedger(ledgerRows, currency, receivedAt, options.log ?? silentLog, account);
  return {
    account,
    currency,
    netLiquidation: figure(SUMMARY_TAGS.netLiquidation),
    totalCash: figure(SUMMARY_TAGS.totalCash),
    grossPositionValue: figure(SUMMARY_TAGS.grossPositionValue),
    maintMargin: figure(SUMMARY_TAGS.maintMargin),
    excessLiquidity: figure(SUMMARY_TAGS.excessLiquidity),
    cushion: figure(SUMMARY_TAGS.cushion),
    ...accrued(ledgerValue(ledgerRows, 'NetDividend', 'BASE')),
    ...(cashLedger === undefined ? {} : { cashLedger }),
  };
}

const ACCOUNT_TAGS: ReadonlySet<string> = new Set(Object.values(SUMMARY_TAGS));

/** The ledger's NetDividend when IB gave a number for it; absent otherwise (the run then cannot use it). */
function accrued(raw: string | undefined): { accruedDividend?: number } {
  const value = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isFinite(value) ? { accruedDividend: value } : {};
}

/**
 * The account's stock positions. Other security types are left out (and logged): an AAPL option must never
 * be read as AAPL shares, which the run would then trade. Two stock positions with one symbol fail the call.
 */
export function readPositions(session: IbSession, account: string, timeoutMs: number, log: IbLog): Promise<BrokerPosition[]> {
  return session.unkeyed.run(async () => {
    const found = new Map<string, BrokerPosition & { conId?: number }>();
    const problems: string[] = [];
    try {
      await session.operation<void>({
        label: 'positions',
        timeoutMs,
        listen: (ctx) => [
          session.events.on('position', (acct, contract, quantity, avgCost) => {
            if (acct !== account) return;
            const symbol = contract.symbol ?? '';
            if (contract.secType !== 'STK') {
              if ((quantity ?? 0) !== 0)
                log.warn({ symbol, secType: contract.secType, quantity }, 'position that is not a stock left out of the plan');
              return;
            }
            const previous = found.get(symbol);
            if (previous && previous.conId !== contract.conId)
              problems.push(`${symbol} (conIds ${previous.conId ?? '?'} and ${contract.conId ?? '?'})`);
            // avgCost as IB gives it: per share, in the contract's currency, commissions included. For a line quoted
            // in pence (priceMagnifier 100) it is in pounds, not in the pence of its quotes (docs/research/
            // multi-currency.md 3.3): kept so, never divided again.
            found.set(symbol, { account, symbol, quantity: quantity ?? 0, avgCost: avgCost ?? 0, conId: contract.conId });
          }),
          session.events.on('positionEnd', () => ctx.resolve()),
        ],
        send: (api) => api.reqPositions(),
      });
    } finally {
      void session.send((api) => api.cancelPositions()).catch(() => undefined);
    }
    if (problems.length > 0) {
      throw new BrokerError(
        `account ${account} holds two stocks with the same symbol, which the run cannot tell apart: ${problems.join(', ')}`,
        'fatal',
      );
    }
    return [...found.values()].map(({ conId: _conId, ...p }) => p);
  });
}
