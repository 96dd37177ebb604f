import { DateTime } from 'luxon';
import { EXCHANGE_ZONE } from '../../core/session.js';
import type { SimExecution } from '../../sim/sim-state.js';
import { errorMessage, executionDataEnd } from '../encode/encode-basic.js';
import { executionFrames } from '../session/execution-faults.js';
import { parseExecutions, type ExecutionFilterRef } from '../parse/parse-requests.js';
import type { ClientLink, GatewayContext } from '../session/context.js';

/**
 * REQ_EXECUTIONS: the executions of the current trading day (New York, by the gateway's clock; IB Gateway serves
 * no older ones, though the simulated account keeps 30 days) that pass the filter,
 * each with its commission report, then the end marker. Filter fields left empty (or clientId 0) match all.
 * With the faults `correctExecutions` and `lateCommissionReports`, corrections follow their originals and
 * reports not yet due are left out (and sent when due): see session/execution-faults.ts.
 */
export function handleExecutions(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  const { reqId, filter } = parseExecutions(fields);
  const since = parseFilterTime(filter.time);
  if (since === null) {
    return link.send(
      errorMessage(reqId, 321, `Error validating request:-'bP' : cause - invalid execution filter time ${JSON.stringify(filter.time)}`),
    );
  }
  const today = tradingDay(ctx.clock());
  const frames = ctx.account.state.executions
    .filter((e) => tradingDay(e.time) === today && matches(ctx, e, filter, since))
    .flatMap((e) => executionFrames(ctx, link, reqId, e));
  link.send(...frames, executionDataEnd(reqId));
}

/** IB's day of a time (New York): IB Gateway serves only the executions of the current one. */
export function tradingDay(iso: string): string {
  return DateTime.fromISO(iso, { zone: EXCHANGE_ZONE }).toFormat('yyyy-MM-dd');
}

function matches(ctx: GatewayContext, e: SimExecution, f: ExecutionFilterRef, since: number | undefined): boolean {
  const view = ctx.account.executionView(e);
  const clientId = view.clientId;
  const same = (wanted: string, actual: string) => wanted === '' || wanted.toUpperCase() === actual.toUpperCase();
  // A conversion's execution is a CASH contract on IDEALPRO: a filter of secType STK (or exchange SMART) leaves it out,
  // and its symbol is the pair's first currency (USD of USD.SGD), as in the contract IB sends with it.
  const cash = e.secType === 'CASH';
  const exchanges = cash ? ['IDEALPRO'] : ['SMART', view.contract.primaryExchange];
  return (
    (f.clientId === undefined || f.clientId === 0 || f.clientId === clientId) &&
    same(f.acctCode, ctx.account.state.account) &&
    same(f.symbol, cash ? view.contract.symbol : e.symbol) &&
    same(f.secType, cash ? 'CASH' : 'STK') &&
    (f.exchange === '' || exchanges.includes(f.exchange.toUpperCase())) &&
    same(f.side, e.side) &&
    (since === undefined || Date.parse(e.time) >= since)
  );
}

/**
 * The filter's time as epoch ms: `yyyyMMdd-HH:mm:ss` is UTC, `yyyyMMdd HH:mm:ss` is in the zone named after
 * it (an IANA name such as US/Eastern), or in the exchange's zone without one, as TWS's login zone would be.
 * Undefined for an empty filter; null for text that is not a time.
 */
export function parseFilterTime(text: string): number | undefined | null {
  const value = text.trim();
  if (value === '') return undefined;
  const utc = /^(\d{8})-(\d{2}:\d{2}:\d{2})$/.exec(value);
  const local = /^(\d{8})\s+(\d{2}:\d{2}:\d{2})(?:\s+(\S+))?$/.exec(value);
  const [date, time, zone] = utc ? [utc[1], utc[2], 'UTC'] : local ? [local[1], local[2], local[3] ?? EXCHANGE_ZONE] : [];
  if (date === undefined || time === undefined) return null;
  const parsed = DateTime.fromFormat(`${date} ${time}`, 'yyyyMMdd HH:mm:ss', { zone });
  return parsed.isValid ? parsed.toMillis() : null;
}
