import { isFinal } from '../../core/order-status.js';
import { EXCHANGE_ZONE, parseInstant } from '../../core/session.js';
import { completionTime } from '../../sim/sim-account.js';
import type { SimOrder } from '../../sim/sim-state.js';
import { completedOrder, completedOrdersEnd, type CompletedOrderView } from '../encode/encode-completed-orders.js';
import { parseCompletedOrders } from '../parse/parse-requests.js';
import type { ClientLink, GatewayContext } from '../session/context.js';
import { tradingDay } from './execution-handlers.js';

/**
 * REQ_COMPLETED_ORDERS: the orders of the account that reached a final state (filled, cancelled, expired,
 * inactive) during the current trading day (New York, by the gateway's clock, as for reqExecutions), of every
 * API client and typed in TWS, oldest completion first, then the end marker. Nothing of an earlier day: IB serves
 * only the current day's (https://www.interactivebrokers.com/campus/ibkr-api-page/twsapi-doc/#completed-orders),
 * though the simulated account keeps 30 days. With apiOnly, the orders typed in TWS are left out: in the
 * simulated account, those of client id 0 (the scenario's `foreignOrders` with clientId 0).
 */
export function handleCompletedOrders(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  const apiOnly = parseCompletedOrders(fields);
  const today = tradingDay(ctx.clock());
  const frames = ctx.account.state.orders
    .filter((o) => isFinal(o.status) && !(apiOnly && o.clientId === 0))
    .map((o) => ({ order: o, at: completionTime(ctx.account.state, o) }))
    .filter(({ at }) => tradingDay(at) === today)
    .sort((a, b) => parseInstant(a.at).toMillis() - parseInstant(b.at).toMillis())
    .map(({ order, at }) => completedOrder(view(ctx, order, at)));
  link.send(...frames, completedOrdersEnd());
}

function view(ctx: GatewayContext, o: SimOrder, at: string): CompletedOrderView {
  return {
    ...ctx.account.orderView(o),
    completedTime: `${parseInstant(at).setZone(EXCHANGE_ZONE).toFormat('yyyyMMdd HH:mm:ss')} ${EXCHANGE_ZONE}`,
    completedStatus: completedStatusText(o),
  };
}

/**
 * IB's text for how an order ended, beside its status: "Filled", "Cancelled by Trader" for a cancel the client
 * (or a person) asked for, as seen in COMPLETED_ORDER frames captured from IB Gateway. For a DAY order that
 * expired at the close the text is an assumption ("Cancelled by System"); the status is Cancelled either way.
 */
function completedStatusText(o: SimOrder): string {
  if (o.status !== 'Cancelled') return o.status;
  return o.message === 'cancelled by the client' ? 'Cancelled by Trader' : 'Cancelled by System';
}
