import { Exact, formatMoney } from '../core/money.js';
import { DEFAULT_MIN_CONVERSION_VALUE } from '../core/conversions.js';
import type { BrokerOrder, ConversionLine, OrderRequest, PlanLine } from '../core/types.js';
import { submitOrders, type SubmitOptions, type SubmitResult } from './submit-orders.js';

/**
 * How long the run waits for its funding conversions to fill before it sends the purchases they pay for, at least:
 * a marketable IDEALPRO order fills within a second, and the wait ends as soon as every one is final.
 */
export const CONVERSION_WAIT_MS = 15_000;

/** What the phased submission held back or cut, each with why, for the console and the run's notices. */
export interface PhasedResult extends SubmitResult {
  notes: string[];
}

export interface PhasedOptions {
  /** The plan's conversions (FX_POLICY=convert): which request funds and which sweeps. */
  conversions: readonly ConversionLine[];
  /** Working conversions of earlier runs the plan keeps as they stand (not filled: what they fund is not there yet). */
  unchanged: readonly BrokerOrder[];
  minConversionValue?: number;
}

/**
 * FX_POLICY=convert: the plan's orders in three steps, so that no purchase borrows because its conversion failed and
 * no sweep sells proceeds that have not come in:
 *
 * 1. the funding conversions (and the changed working ones), then their statuses, waiting up to CONVERSION_WAIT_MS
 *    (or the status window when longer) for them to fill;
 * 2. the stock orders, except the purchases in a currency whose funding conversion did not fill whole (rejected,
 *    resting, part-filled, not sent, deferred): those are held back, and a later run plans again from the cash there is;
 * 3. the sweeps, each cut to what this run's sales in its currency filled (quantity x average price) by the end of
 *    step 2's status window: proceeds of a sale not yet filled are not sold (they stay in the currency).
 *
 * Without conversions it is `submitOrders` itself. A stop in a step (a gate, a lost connection, a record that
 * could not be written) sends nothing of the later steps; they were never recorded.
 */
export async function submitPhased(options: SubmitOptions, phased: PhasedOptions): Promise<PhasedResult> {
  const byPair = new Map(phased.conversions.map((c) => [c.symbol, c]));
  const purposeOf = (r: { secType?: 'CASH'; symbol: string }) => (r.secType === 'CASH' ? byPair.get(r.symbol)?.purpose : undefined);
  const funds = options.orders.filter((r) => purposeOf(r) === 'fund');
  const sweeps = options.orders.filter((r) => purposeOf(r) === 'sweep');
  const follow = options.follow ?? [];
  const fundsGoing = phased.conversions.some((c) => c.purpose === 'fund' && c.action !== 'NONE');
  if (!fundsGoing && sweeps.length === 0) return { ...(await submitOrders(options)), notes: [] };
  const stocks = options.orders.filter((r) => r.secType !== 'CASH');
  const isCash = (o: BrokerOrder) => o.secType === 'CASH';
  const notes: string[] = [];

  // 1. Funding.
  const first = await submitOrders({
    ...options,
    orders: funds,
    follow: follow.filter(isCash),
    statusWindowMs: Math.max(options.statusWindowMs, CONVERSION_WAIT_MS),
  });
  if (stopped(first)) return { ...first, notes };
  const seen = [...first.sent, ...first.followed, ...phased.unchanged];
  const unfunded = new Map<string, string>();
  for (const c of phased.conversions) {
    if (c.purpose !== 'fund' || c.action === 'NONE') continue;
    const order = seen.find((o) => o.symbol === c.symbol);
    const whole = order !== undefined && order.status === 'Filled' && order.filledQuantity >= order.quantity;
    if (whole) continue;
    const refused = first.breaches.some((b) => b.symbol === c.symbol);
    unfunded.set(
      c.currency,
      order !== undefined
        ? `${c.symbol} ${order.status}, ${order.filledQuantity} of ${order.quantity} filled`
        : `${c.symbol} ${refused ? 'refused by the broker' : 'not placed'}`,
    );
  }
  const heldBack = stocks.filter((r) => r.action === 'BUY' && unfunded.has(r.currency));
  for (const [currency, why] of unfunded) {
    const held = heldBack.filter((r) => r.currency === currency);
    if (held.length === 0) continue;
    notes.push(
      `held back, its ${currency} not converted (${why}): ${held.map((r) => `${r.action} ${r.quantity} ${r.symbol}`).join(', ')}; ` +
        'nothing is borrowed for them: a later run plans again from the cash there is',
    );
  }

  // 2. The stock orders.
  const second = await submitOrders({
    ...options,
    orders: stocks.filter((r) => !heldBack.includes(r)),
    follow: follow.filter((o) => !isCash(o)),
  });
  const soFar = joined(first, second);
  if (stopped(second) || sweeps.length === 0) return { ...soFar, notes };

  // 3. The sweeps, cut to the proceeds that came in.
  const lineOf = new Map(options.lines.map((l) => [l.symbol, l]));
  const requests = sweeps.flatMap((r) => {
    const c = byPair.get(r.symbol);
    if (c === undefined) return [];
    const cut = sweepOf(r, c, second.sent, lineOf, phased.minConversionValue ?? DEFAULT_MIN_CONVERSION_VALUE);
    if (cut.note !== undefined) notes.push(cut.note);
    return cut.request === undefined ? [] : [cut.request];
  });
  const third = await submitOrders({ ...options, orders: requests, follow: [] });
  return { ...joined(soFar, third), notes };
}

function stopped(r: SubmitResult): boolean {
  return r.stoppedBecause !== undefined || r.gateStatus !== undefined || r.failure !== undefined;
}

function joined(a: SubmitResult, b: SubmitResult): SubmitResult {
  return {
    sent: [...a.sent, ...b.sent],
    followed: [...a.followed, ...b.followed],
    breaches: [...a.breaches, ...b.breaches],
    ...((a.stoppedBecause ?? b.stoppedBecause) !== undefined ? { stoppedBecause: a.stoppedBecause ?? b.stoppedBecause } : {}),
    ...((a.gateStatus ?? b.gateStatus) !== undefined ? { gateStatus: a.gateStatus ?? b.gateStatus } : {}),
    ...((a.failure ?? b.failure) !== undefined ? { failure: a.failure ?? b.failure } : {}),
  };
}

/**
 * A sweep as it may go now: its quantity no more than what this run's filled sales in its currency brought
 * (quantity x average fill price / the price magnifier), in units of the pair's first currency; none when that is
 * nothing, or worth less than MIN_CONVERSION_VALUE.
 */
function sweepOf(
  request: OrderRequest,
  c: ConversionLine,
  sent: readonly BrokerOrder[],
  lineOf: ReadonlyMap<string, PlanLine>,
  minValue: number,
): { request?: OrderRequest; note?: string } {
  let proceeds = new Exact(0);
  for (const o of sent) {
    const line = lineOf.get(o.symbol);
    if (o.secType === 'CASH' || o.action !== 'SELL' || line?.currency !== c.currency || !(o.filledQuantity > 0)) continue;
    proceeds = proceeds.plus(new Exact(o.filledQuantity).times(o.avgFillPrice).div(line.priceMagnifier ?? 1));
  }
  const limit = request.limitPrice;
  // Units of the pair's first currency: the proceeds themselves on C.B, what they buy at the limit on B.C.
  const units = (c.pair.symbol === c.currency ? proceeds : proceeds.div(limit)).floor().toNumber();
  const quantity = Math.min(request.quantity, units);
  const value = c.pair.symbol === c.currency ? new Exact(quantity).times(limit) : new Exact(quantity);
  const what = `sweep ${request.action} ${request.quantity} ${request.symbol}`;
  if (!(quantity > 0) || value.lt(minValue)) {
    return {
      note:
        `${what} not sent: this run's sales brought ${formatMoney(proceeds)} ${c.currency} by now` +
        (quantity > 0 ? `, worth less than MIN_CONVERSION_VALUE ${formatMoney(minValue)}` : '') +
        `; the proceeds stay in ${c.currency}`,
    };
  }
  if (quantity === request.quantity) return { request };
  return {
    request: { ...request, quantity },
    note: `${what} cut to ${quantity}: this run's sales brought ${formatMoney(proceeds)} ${c.currency} by now; the rest stays in ${c.currency}`,
  };
}
