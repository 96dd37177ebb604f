/**
 * One connection to TWS/IB Gateway through @stoqey/ib's IBApi, used for one run and then thrown away.
 *
 * - Every outgoing request passes one token bucket (47 a second, at most 48 messages in any second; IB allows 50).
 * - Every IB message is routed by its id: to the request that owns it, to the order operation that owns
 *   it, or to no one (ib-ids.ts). An order error never reaches a data request, and the other way round.
 * - It fails closed: once the connection drops, IB reports lost connectivity, or the client cannot decode
 *   a message, every pending and later operation rejects and the client is disconnected for good. The
 *   library would otherwise queue requests made while disconnected and send them on reconnect, orders
 *   included; a new process (the next run) starts a new session instead.
 */
import { Socket as NetSocket } from 'node:net';
import { IBApi } from '@stoqey/ib';
import { BrokerError } from '../../ports/broker.js';
import { Serial } from './concurrency.js';
import { classifyIbCode, meaningOf, CLIENT_ID_IN_USE_CODE } from './ib-codes.js';

/** @stoqey/ib's code for an error of the socket itself (a reset, a refusal). */
const SOCKET_ERROR_CODE = 502;
import { IbEvents, wireEvents, type IbClientMessage } from './ib-events.js';

export type { IbClientMessage } from './ib-events.js';
import { OrderIds, ownerOfId, RequestIds } from './ib-ids.js';
import type { IbLog } from './ib-log.js';
import { OrderBook } from './ib-order-book.js';
import { RouteTable, runOperation, type OperationSpec } from './ib-operation.js';
import { IB_PACING, TokenBucket } from './token-bucket.js';
import { loadLibraryConfigWithoutEnvLeak } from './library-config.js';

export interface IbSessionOptions {
  host: string;
  port: number;
  clientId: number;
  log: IbLog;
  /** Sees every message before it is routed (tests fail on any 505 decoding error). */
  onClientError?: (message: IbClientMessage) => void;
  /** The pacing bucket's rate, messages a second (IB_MESSAGES_PER_SECOND); default IB_PACING's. */
  messagesPerSecond?: number;
}

type State = 'opening' | 'ready' | 'failed' | 'closed';

export class IbSession {
  readonly events: IbEvents;
  readonly book: OrderBook;
  readonly orderIds = new OrderIds();
  readonly requestIds = new RequestIds();
  /** Requests that carry no request id (positions, open orders) run one at a time. */
  readonly unkeyed = new Serial();
  accounts: string[] = [];
  readonly clientId: number;
  private readonly api: IBApi;
  private readonly bucket: TokenBucket;
  private readonly routes = { request: new RouteTable(), order: new RouteTable() };
  private readonly pending = new Set<(error: BrokerError) => void>();
  private state: State = 'opening';
  private failure: BrokerError | undefined;
  private openFailed: ((error: BrokerError) => void) | undefined;
  private socketClosed = false;

  constructor(private readonly options: IbSessionOptions) {
    this.clientId = options.clientId;
    this.events = new IbEvents((error) =>
      this.failClosed(new BrokerError(`internal error while handling an IB message: ${String(error)}`, 'fatal')),
    );
    // maxReqPerSec is set far above our own bucket so that the library's limiter never holds a message back:
    // a message it queued could leave after the operation that sent it had timed out.
    loadLibraryConfigWithoutEnvLeak();
    this.api = new IBApi({ host: options.host, port: options.port, maxReqPerSec: 1000 });
    this.bucket = new TokenBucket({ ...IB_PACING, ratePerSecond: options.messagesPerSecond ?? IB_PACING.ratePerSecond });
    wireEvents(this.api, this.events);
    this.book = new OrderBook(this.events, options.clientId);
    this.events.on('message', (code, text, id) => this.route(code, text, id));
    this.events.on('disconnected', () => this.onDisconnected());
    this.events.on('nextValidId', (id) => this.orderIds.observe(id));
    this.events.on('managedAccounts', (list) => {
      this.accounts = list
        .split(',')
        .map((a) => a.trim())
        .filter((a) => a !== '');
    });
  }

  /** Connects and waits for TWS's managed accounts and next valid order id, which mark a usable session. */
  open(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let gotId = false;
      let gotAccounts = false;
      const stops: (() => void)[] = [];
      const finish = (error?: BrokerError): void => {
        clearTimeout(timer);
        for (const stop of stops) stop();
        this.openFailed = undefined;
        if (error) reject(error);
        else resolve();
      };
      const check = (): void => {
        if (!gotId) return;
        if (gotAccounts) {
          this.state = 'ready';
          finish();
        } else {
          void this.send((api) => api.reqManagedAccts()).catch(() => undefined);
        }
      };
      this.openFailed = finish;
      stops.push(this.events.on('nextValidId', () => ((gotId = true), check())));
      stops.push(this.events.on('managedAccounts', () => ((gotAccounts = true), check())));
      const timer = setTimeout(
        () => finish(new BrokerError(`no session within ${timeoutMs} ms (no next valid order id or managed accounts)`, 'connect')),
        timeoutMs,
      );
      this.api.connect(this.options.clientId);
      this.sendAtOnce();
    });
  }

  /**
   * Turns Nagle's algorithm off on the library's socket (it leaves it on): with it, a message written while the one
   * before is not yet acknowledged by the peer's TCP waits for that acknowledgement, up to the peer's delayed-ACK time
   * (40 ms on Linux), and then leaves together with the next; two messages the bucket spaced 21 ms apart reach IB
   * at once. The socket is the library's own (IBApi.controller.socket.client): found by looking, never assumed.
   */
  private sendAtOnce(): void {
    const field = (from: unknown, name: string): unknown =>
      typeof from === 'object' && from !== null ? (Reflect.get(from, name) as unknown) : undefined;
    const client = field(field(field(this.api, 'controller'), 'socket'), 'client');
    if (client instanceof NetSocket) client.setNoDelay(true);
    else this.options.log.warn({}, "IB client socket not found: Nagle's algorithm stays on (messages may reach IB bunched)");
  }

  /** Throws the reason the session cannot be used: its failure, or that it is not connected. */
  assertUsable(): void {
    if (this.failure) throw this.failure;
    if (this.state !== 'ready') throw new BrokerError('the IB session is not connected', 'connect');
  }

  /** Sends one message once the bucket allows it; rejects (sending nothing) if the session failed meanwhile. */
  async send(action: (api: IBApi) => void): Promise<void> {
    if (this.failure) throw this.failure;
    await this.bucket.take();
    if (this.failure) throw this.failure;
    if (this.state === 'closed') throw new BrokerError('the IB session is closed', 'connect');
    action(this.api);
  }

  /** Runs one request or order operation with its own timeout and its share of IB's messages. */
  operation<T>(spec: OperationSpec<T>): Promise<T> {
    this.assertUsable();
    const id = spec.orderId ?? this.requestIds.allocate();
    const owner = spec.orderId === undefined ? this.routes.request : this.routes.order;
    return runOperation(spec, id, {
      track: (route) => owner.add(id, route),
      onFailure: (reject) => {
        this.pending.add(reject);
        return () => this.pending.delete(reject);
      },
      send: (action) => this.send(action),
    });
  }

  /** Fails the session for good: pending operations reject with `error`, queued messages are dropped. */
  failClosed(error: BrokerError): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.state = 'failed';
    this.failure = error;
    this.options.log.error({ code: error.code, kind: error.kind }, `IB session failed closed: ${error.message}`);
    this.rejectAll(error);
  }

  /** Disconnects; pending operations reject. Never throws. */
  close(): void {
    if (this.state === 'closed') return;
    const error = this.failure ?? new BrokerError('the IB session is closed', 'connect');
    this.state = 'closed';
    this.failure = error;
    this.openFailed?.(error);
    this.rejectAll(error);
    this.events.clear();
    this.api.removeAllListeners();
  }

  /** Rejects what waits (queued messages included, which are never sent) and ends the socket. */
  private rejectAll(error: BrokerError): void {
    this.bucket.close(error);
    for (const reject of [...this.pending]) reject(error);
    this.pending.clear();
    this.dropSocket();
  }

  /** Ends the socket once, also while the handshake is still under way (a half-open socket keeps the process alive). */
  private dropSocket(): void {
    if (this.socketClosed) return;
    this.socketClosed = true;
    this.api.disconnect();
  }

  private route(code: number, text: string, id: number): void {
    this.options.onClientError?.({ code, text, id });
    const cls = classifyIbCode(code);
    const where = `${this.options.host}:${this.options.port}`;
    if (this.state === 'opening') {
      if (cls === 'connectivity' || cls === 'session-fatal' || code === CLIENT_ID_IN_USE_CODE) {
        this.openFailed?.(new BrokerError(`IB ${code}: ${text} (${meaningOf(code)})`, 'connect', code));
      }
      return;
    }
    if (cls === 'connectivity' || cls === 'session-fatal') {
      const kind = cls === 'connectivity' ? 'connectivity' : 'fatal';
      // A socket error once the session was open (a reset where a restart closes with data unread) is a drop, not a
      // gateway that could not be reached.
      const what =
        code === SOCKET_ERROR_CODE
          ? `the connection to TWS/IB Gateway at ${where} dropped during the run (socket error, IB ${code}: ${text})`
          : `${meaningOf(code)} (IB ${code}: ${text}) on ${where}`;
      this.failClosed(
        new BrokerError(`${what}; nothing is resent, the next run starts a new session`, kind, code, id > 0 ? id : undefined),
      );
      return;
    }
    const owner = ownerOfId(id);
    const targets = owner === 'none' ? [] : this.routes[owner].of(id);
    for (const target of targets) target(code, text);
    // After the operation saw it, so that it judges the message by its code before the book's new status.
    if (owner === 'order') this.book.noteMessage(id, code, text);
    if (targets.length > 0) return;
    const level = cls === 'info' ? 'info' : 'warn';
    this.options.log[level]({ code, id }, `IB message: ${text}`);
  }

  private onDisconnected(): void {
    this.socketClosed = true;
    const where = `${this.options.host}:${this.options.port}`;
    if (this.state === 'opening') {
      this.openFailed?.(
        new BrokerError(
          `TWS/IB Gateway at ${where} closed the connection before the session was ready (is client id ${this.options.clientId} already in use?)`,
          'connect',
        ),
      );
      return;
    }
    this.failClosed(
      new BrokerError(
        `the connection to TWS/IB Gateway at ${where} dropped during the run; nothing is resent, the next run starts a new session`,
        'connectivity',
      ),
    );
  }
}
