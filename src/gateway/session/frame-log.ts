import { parsePlaceOrder } from '../parse/parse-place-order.js';
import { REQUEST, replyName, requestName } from '../wire/message-ids.js';

/**
 * One readable line per frame for `--log-frames`: `<- 3 PLACE_ORDER orderId=12 symbol=SPY ...` for what a
 * client sent, `-> 5 OPEN_ORDER 12|756733|SPY|...` for what the gateway sent, the client id at the end.
 */

const tag = (clientId: number | undefined) => (clientId === undefined ? '' : ` [client ${clientId}]`);
const raw = (fields: readonly string[]) => fields.slice(1).join('|');

/** A client message; a PLACE_ORDER shows its key fields by name (or its raw fields when it does not parse). */
export function describeIncoming(fields: readonly string[], clientId: number | undefined): string {
  const head = `<- ${fields[0] ?? '?'} ${requestName(fields[0])}`;
  if (Number(fields[0]) === REQUEST.PLACE_ORDER) {
    try {
      const o = parsePlaceOrder(fields, clientId ?? 0);
      const params = o.algoParams.map((p) => ` ${p.tag}=${p.value}`).join('');
      return (
        `${head} orderId=${o.orderId} symbol=${o.symbol} action=${o.action} totalQuantity=${o.totalQuantity ?? ''} ` +
        `orderType=${o.orderType} lmtPrice=${o.lmtPrice ?? ''} tif=${o.tif} account=${o.account} orderRef=${o.orderRef} ` +
        `transmit=${o.transmit === undefined ? '' : Number(o.transmit)} algoStrategy=${o.algoStrategy}${params} fields=${o.fieldCount}${tag(clientId)}`
      );
    } catch {
      // The decode error itself is reported by the connection; the log shows what arrived.
    }
  }
  return `${head} ${raw(fields)}${tag(clientId)}`;
}

/** A gateway message. */
export function describeOutgoing(fields: readonly string[], clientId: number | undefined): string {
  return `-> ${fields[0] ?? '?'} ${replyName(fields[0])} ${raw(fields)}${tag(clientId)}`;
}

/** The gateway's answer to the handshake: its server version and connection time. */
export function describeServerVersion(fields: readonly string[]): string {
  return `-> server version ${fields[0] ?? '?'}, connection time ${fields[1] ?? '?'}`;
}
