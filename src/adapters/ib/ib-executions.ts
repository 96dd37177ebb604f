/**
 * Executions with their commissions over an IB session.
 *
 * IB answers reqExecutions with execDetails messages, and sends each execution's commission separately
 * (commissionReport, keyed by execId, without a request id), before or after the end of the answer, sometimes
 * late, sometimes never. The session keeps every commission it hears; this waits, up to the timeout, until each
 * execution has its own, and then returns them all: one whose report has not come has commission null (the fill
 * is recorded now, never held back, and a later run that hears the report fills it in).
 *
 * Only stocks and this system's own currency conversions are reported (ib-conversions.ts): a person's conversion in
 * TWS, or any other instrument, is no fill of the run's.
 */
import type { Contract, Execution as IbExecution } from '@stoqey/ib';
import type { Execution } from '../../core/types.js';
import { BrokerError } from '../../ports/broker.js';
import { tradedOf } from './ib-conversions.js';
import type { IbLog } from './ib-log.js';
import { sideOfExecution } from './ib-order-status.js';
import type { IbSession } from './ib-session.js';
import { formatIbUtc, parseIbTime } from './ib-time.js';

export interface ExecutionOptions {
  /** IB_ACCOUNT: only its executions. */
  account: string | undefined;
  timeoutMs: number;
  log: IbLog;
}

/** Executions at or after `since` (ISO 8601), each with its commission, in the order IB sent them. */
export async function readExecutions(
  session: IbSession,
  since: string,
  commissions: ReadonlyMap<string, number>,
  options: ExecutionOptions,
): Promise<Execution[]> {
  session.assertUsable();
  const sinceMs = Date.parse(since);
  if (!Number.isFinite(sinceMs)) throw new BrokerError(`executions: "${since}" is not an ISO 8601 instant`, 'fatal');
  const raw = new Map<string, { contract: Contract; execution: IbExecution }>();
  await session.operation<void>({
    label: 'executions',
    timeoutMs: options.timeoutMs,
    listen: (ctx) => [
      session.events.on('execDetails', (id, contract, execution) => {
        // The same execId twice is one execution (the later copy wins); a correction comes under another id (a
        // higher suffix after the last period) and the store replaces the fill with it (src/core/exec-ids.ts).
        if (id === ctx.id && execution.execId) raw.set(execution.execId, { contract, execution });
      }),
      session.events.on('execDetailsEnd', (id) => id === ctx.id && ctx.resolve()),
    ],
    send: (api, id) => api.reqExecutions(id, { acctCode: options.account ?? '', time: formatIbUtc(since) }),
  });
  const wanted = [...raw.values()].flatMap(({ contract, execution }) => {
    if (options.account && execution.acctNumber && execution.acctNumber !== options.account) return [];
    // Stocks, and the currency conversions this system placed; nothing else (ib-conversions.ts).
    const traded = tradedOf(contract, execution.orderRef);
    if ('symbol' in traded) return [{ traded, execution }];
    options.log.warn(
      { symbol: contract.symbol, secType: contract.secType, execId: execution.execId },
      `execution left out: ${traded.leftOut}`,
    );
    return [];
  });
  const converted = wanted.map(({ traded, execution }) => toExecution(traded, execution)).filter((e) => Date.parse(e.time) >= sinceMs);
  const missing = await waitForCommissions(
    session,
    converted.map((e) => e.execId),
    commissions,
    options.timeoutMs,
  );
  if (missing.length > 0) {
    options.log.warn(
      { execIds: missing, waitedMs: options.timeoutMs },
      'no commission report from IB for these executions yet: recorded with the commission unknown; a later run fills it in',
    );
  }
  return converted.map((e) => ({ ...e, commission: commissions.get(e.execId) ?? null }));
}

/** Waits up to `timeoutMs` for every execution's commission report; returns the ids still without one. */
async function waitForCommissions(
  session: IbSession,
  execIds: string[],
  commissions: ReadonlyMap<string, number>,
  timeoutMs: number,
): Promise<string[]> {
  const missing = () => execIds.filter((id) => !commissions.has(id));
  if (missing().length === 0) return [];
  await session.operation<void>({
    label: 'commission reports',
    timeoutMs,
    // The session's own listener records each report first (it subscribed earlier), so the map is current here.
    listen: (ctx) => [session.events.on('commissionReport', () => missing().length === 0 && ctx.resolve())],
    // A report that does not come is no reason to lose (or hold back) the fill: it is recorded without it.
    onTimeout: (ctx) => ctx.resolve(),
  });
  return missing();
}

/**
 * One IB execution as ours; its commission is filled in once its report has arrived. A conversion's quantity and price
 * are IB's own: units of the pair's first currency, at units of the second per one of the first.
 */
function toExecution(traded: { symbol: string; secType?: 'CASH' }, e: IbExecution): Execution {
  const execId = e.execId ?? '';
  const side = sideOfExecution(e.side);
  if (side === undefined) throw new BrokerError(`execution ${execId}: unknown side "${String(e.side)}"`, 'fatal');
  if (e.shares === undefined || !(e.shares > 0) || e.price === undefined || !(e.price > 0)) {
    throw new BrokerError(`execution ${execId}: shares ${String(e.shares)} at ${String(e.price)} is not a fill`, 'fatal');
  }
  let time: string;
  try {
    time = parseIbTime(e.time ?? '');
  } catch (error) {
    throw new BrokerError(`execution ${execId}: ${error instanceof Error ? error.message : String(error)}`, 'fatal');
  }
  return {
    execId,
    ...(traded.secType === 'CASH' ? { secType: 'CASH' as const } : {}),
    brokerOrderId: e.orderId ?? 0,
    ...(e.permId ? { permId: e.permId } : {}),
    orderRef: e.orderRef ?? '',
    symbol: traded.symbol,
    side,
    quantity: e.shares,
    price: e.price,
    commission: null,
    time,
  };
}
