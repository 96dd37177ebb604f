import type { GatewayFaults } from '../../sim/scenario-gateway.js';
import type { AccountEvent, GatewayAccount } from '../account/gateway-account.js';
import { errorMessage } from '../encode/encode-basic.js';
import { refreshSubscriptions } from './account-subscriptions.js';
import { executionFrames } from './execution-faults.js';
import { openOrder, orderStatus } from '../encode/encode-orders.js';
import type { ParsedPlaceOrder } from '../parse/parse-place-order.js';

/**
 * What every connection and request handler of one gateway shares: the simulated account, the faults, the
 * clock, the counters tests read, and the way to reach connected clients.
 */

/** Counters tests assert on. */
export interface GatewayStats {
  /** TCP connections accepted. */
  connections: number;
  /** Client messages after the version handshake, START_API included, on all connections. */
  messagesIn: number;
  /** PLACE_ORDER messages for a new order, read without a decode error (accepted or refused). */
  ordersPlaced: number;
  /** PLACE_ORDER messages on an order id this client already has: modifications (accepted or refused). */
  ordersModified: number;
  /** Orders cancelled at a client's request (cancelOrder or reqGlobalCancel). */
  cancels: number;
  /** Client messages over the pacing limit (each got error 100). */
  pacingViolations: number;
  /** Messages the gateway could not read, and handshakes it refused. */
  decodeErrors: string[];
}

/** The part of a connection that handlers and pushes use. */
export interface ClientLink {
  /** The API client id from START_API; undefined before it. */
  readonly clientId: number | undefined;
  /** Market data type the client asked for (reqMarketDataType), 1 (live) until it does. */
  marketDataType: number;
  send(...frames: string[][]): void;
  /**
   * The connection drops once the message in hand is handled, and the client hears nothing more from now on (a
   * fault: the request takes effect, its answer is lost with the socket).
   */
  dropAfterThisMessage(): void;
  /** Sends after `ms` (in order with later sends of the same delay), unless the connection is gone. */
  sendLater(ms: number, frames: () => string[][]): void;
}

export interface GatewayContext {
  readonly account: GatewayAccount;
  readonly faults: GatewayFaults;
  readonly stats: GatewayStats;
  readonly placed: ParsedPlaceOrder[];
  /** The gateway's instant (ISO 8601). */
  clock(): string;
  /** Connections past START_API. */
  clients(): ClientLink[];
  /** Records a decode error (stats) and reports it. */
  problem(message: string): void;
  /** Runs `action` after `ms`; the gateway cancels it on close. */
  later(ms: number, action: () => void): void;
}

/** IB's text for error 202, also the confirmation of a normal cancel. */
export const ORDER_CANCELED = 'Order Canceled - reason:';

/**
 * Pushes account changes as TWS does: an order whose status or fill moved gets OPEN_ORDER + ORDER_STATUS, an
 * execution EXECUTION_DATA (reqId -1) + COMMISSION_REPORT, each to the client that owns the order and to
 * `also` (the client whose request caused the change). Clients that are not connected hear nothing: they
 * catch up through reqAllOpenOrders and reqExecutions.
 */
export function pushEvents(ctx: GatewayContext, events: readonly AccountEvent[], also?: ClientLink): void {
  for (const event of events) {
    const owner = event.kind === 'order' ? event.order.clientId : ctx.account.executionView(event.execution).clientId;
    for (const client of recipients(ctx, owner, also)) {
      if (event.kind === 'order') {
        const view = ctx.account.orderView(event.order);
        // The status as it stands now, even when the fault `orderStatusLagMs` sends it later.
        const status = orderStatus(view);
        client.send(openOrder(view));
        if (ctx.faults.orderStatusLagMs > 0) client.sendLater(ctx.faults.orderStatusLagMs, () => [status]);
        else client.send(status);
        continue;
      }
      // An execution's frames depend on the faults (a correction, a late commission report) and on the link.
      client.send(...executionFrames(ctx, client, -1, event.execution));
    }
  }
  // Account updates and P&L follow the orders' and executions' own messages, as TWS sends them.
  refreshSubscriptions(ctx, events, ctx.clients());
}

/** Confirms a cancel: the order's new state, then error 202 under its id, to its owner and the requester. */
export function pushCancel(
  ctx: GatewayContext,
  events: readonly AccountEvent[],
  orderId: number,
  owner: number,
  requester: ClientLink,
): void {
  pushEvents(ctx, events, requester);
  for (const client of recipients(ctx, owner, requester)) client.send(errorMessage(orderId, 202, ORDER_CANCELED));
}

function recipients(ctx: GatewayContext, owner: number, also?: ClientLink): ClientLink[] {
  const out = ctx.clients().filter((c) => c.clientId === owner);
  if (also !== undefined && !out.includes(also)) out.push(also);
  return out;
}
