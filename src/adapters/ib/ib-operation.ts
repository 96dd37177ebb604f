/**
 * One request or order operation: its listeners, its routed IB messages, its timeout and its failure, all
 * released together when it settles. Every operation settles exactly once.
 */
import type { IBApi } from '@stoqey/ib';
import { BrokerError } from '../../ports/broker.js';
import { brokerErrorKindOf, explainIbMessage, isNotice } from './ib-codes.js';

export interface OperationContext<T> {
  /** The request id, or the order id of an order operation. */
  readonly id: number;
  resolve(value: T): void;
  reject(error: BrokerError): void;
}

export interface OperationSpec<T> {
  /** Names the operation in messages: "account summary", "cancel of order 1002". */
  label: string;
  timeoutMs: number;
  /** An order operation gives its order id; a request gets a fresh request id. */
  orderId?: number;
  /** Subscribes to events; returns the functions that unsubscribe. */
  listen?(ctx: OperationContext<T>): Array<() => void>;
  /** An IB message carrying this operation's id. Default: notices are ignored, anything else rejects. */
  onMessage?(ctx: OperationContext<T>, code: number, text: string): void;
  /** Sends the request (called once the pacing bucket allows it). Without it the operation only listens. */
  send?(api: IBApi, id: number): void;
  /** What a timeout means. Default: reject with kind 'timeout'. */
  onTimeout?(ctx: OperationContext<T>): void;
}

/** What an operation needs from its session. */
export interface OperationHost {
  track(route: (code: number, text: string) => void): () => void;
  onFailure(reject: (error: BrokerError) => void): () => void;
  send(action: (api: IBApi) => void): Promise<void>;
}

/** Starts the operation; the timer runs from the moment the request leaves, not while it waits its turn. */
export function runOperation<T>(spec: OperationSpec<T>, id: number, host: OperationHost): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stops: (() => void)[] = [];
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const stop of stops.splice(0)) stop();
      return true;
    };
    const ctx: OperationContext<T> = {
      id,
      resolve: (value) => {
        if (settle()) resolve(value);
      },
      reject: (error) => {
        if (settle()) reject(error);
      },
    };
    const kind = spec.orderId === undefined ? 'request' : 'order';
    stops.push(host.onFailure((error) => ctx.reject(error)));
    stops.push(
      host.track((code, text) => {
        if (spec.onMessage) spec.onMessage(ctx, code, text);
        else if (!isNotice(code))
          ctx.reject(new BrokerError(`${spec.label}: ${explainIbMessage(code, text)}`, brokerErrorKindOf(code, kind), code, id));
      }),
    );
    if (spec.listen) stops.push(...spec.listen(ctx));
    const send = spec.send;
    const sent = send === undefined ? Promise.resolve() : host.send((api) => send(api, id));
    sent
      .then(() => {
        if (settled) return;
        timer = setTimeout(() => {
          if (spec.onTimeout) spec.onTimeout(ctx);
          else ctx.reject(new BrokerError(`${spec.label}: no answer from IB within ${spec.timeoutMs} ms`, 'timeout', undefined, id));
        }, spec.timeoutMs);
      })
      .catch((error: unknown) =>
        ctx.reject(error instanceof BrokerError ? error : new BrokerError(`${spec.label}: ${String(error)}`, 'fatal')),
      );
  });
}

/** The operations waiting for IB messages, by the id the messages carry. */
export class RouteTable {
  private readonly routes = new Map<number, Set<(code: number, text: string) => void>>();

  /** Adds a route for `id`; returns the function that removes it. */
  add(id: number, route: (code: number, text: string) => void): () => void {
    let set = this.routes.get(id);
    if (set === undefined) {
      set = new Set();
      this.routes.set(id, set);
    }
    const routes = set;
    routes.add(route);
    return () => {
      routes.delete(route);
      if (routes.size === 0) this.routes.delete(id);
    };
  }

  /** The routes of `id` now (a copy: a route may remove itself while it runs). */
  of(id: number): ((code: number, text: string) => void)[] {
    return [...(this.routes.get(id) ?? [])];
  }
}
