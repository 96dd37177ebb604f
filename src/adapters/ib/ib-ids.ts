/**
 * Request ids and order ids, kept in ranges that cannot meet.
 *
 * TWS reports an error with one integer id that is either a request id or an order id, and nothing says
 * which. @stoqey/ib numbers requests from 1 and TWS numbers orders from low values too, so an order
 * rejection (201 on order 3) can land on whatever request happens to have id 3 (stoqey B1). The adapter
 * allocates request ids from 2,000,000,000 upwards and refuses order ids from there on, so the id alone
 * tells where an error belongs: orders below the base, requests at or above it, -1 (and 0) to no one.
 */

/** First request id; order ids must stay below it. */
export const REQUEST_ID_BASE = 2_000_000_000;
/** IB ids are signed 32-bit integers. */
const MAX_ID = 2_147_483_647;

export type IdOwner = 'none' | 'order' | 'request';

/** Which kind of operation an id carried by an IB message belongs to. */
export function ownerOfId(id: number): IdOwner {
  if (!Number.isInteger(id) || id <= 0) return 'none';
  return id >= REQUEST_ID_BASE ? 'request' : 'order';
}

/** Hands out request ids from REQUEST_ID_BASE upwards, never reusing one within a session. */
export class RequestIds {
  private next = REQUEST_ID_BASE;

  allocate(): number {
    if (this.next >= MAX_ID) throw new RangeError('request ids exhausted for this session');
    const id = this.next;
    this.next += 1;
    return id;
  }
}

/**
 * Order ids from TWS's nextValidId, counted up locally. A missing, non-positive or out-of-range id (stoqey
 * delivers -1 when it has none) leaves the allocator empty: placing an order is then refused.
 */
export class OrderIds {
  private next: number | undefined;

  /** Takes TWS's next valid id; never moves backwards (an older nextValidId cannot reuse an id). */
  observe(nextValidId: number): void {
    if (!isUsableOrderId(nextValidId)) return;
    if (this.next === undefined || nextValidId > this.next) this.next = nextValidId;
  }

  /** True when an order id can be handed out. */
  get known(): boolean {
    return this.next !== undefined;
  }

  /** The id for the next order; undefined when TWS gave none (the caller must not place the order). */
  allocate(): number | undefined {
    const id = this.next;
    if (id === undefined || !isUsableOrderId(id)) return undefined;
    this.next = id + 1;
    return id;
  }
}

/** A positive integer below the request range. */
export function isUsableOrderId(id: number): boolean {
  return Number.isSafeInteger(id) && id > 0 && id < REQUEST_ID_BASE;
}
