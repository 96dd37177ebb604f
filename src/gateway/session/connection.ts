import type { Socket } from 'node:net';
import { errorMessage, farmsOk, managedAccounts, nextValidId, serverVersion } from '../encode/encode-basic.js';
import { parseStartApi } from '../parse/parse-requests.js';
import { DecodeError } from '../wire/field-cursor.js';
import { FrameReader, encodeFrame, negotiateVersion, parseVersionRange, type Incoming } from '../wire/framing.js';
import { REQUEST, requestName } from '../wire/message-ids.js';
import type { ClientLink, GatewayContext } from './context.js';
import { dispatch, errorIdOf } from './dispatch.js';
import { describeIncoming, describeOutgoing, describeServerVersion } from './frame-log.js';
import type { ConnectivityOutage } from './outage.js';
import { PacingWindow } from './pacing.js';
import type { GatewayRestart } from './restart.js';

/** What a connection needs from its gateway beyond the shared context. */
export interface ConnectionHooks {
  ctx: GatewayContext;
  outage: ConnectivityOutage;
  /** The `restart` fault: consulted before each message is acted on. */
  restart: GatewayRestart;
  /** True when another live connection already uses this client id. */
  clientIdInUse(clientId: number, self: Connection): boolean;
  /** Brings the simulated market to the gateway clock (and pushes what happened) before a message is handled. */
  sync(): void;
  log?: (line: string) => void;
  closed(self: Connection): void;
}

/**
 * One API client on one socket: the version handshake (answered, as TWS does, with the highest version both
 * sides speak: 193 for any offered range that includes it), START_API, then each message in arrival order (handled
 * one at a time, so replies keep the order of requests), with the scenario's faults applied on the way.
 */
export class Connection implements ClientLink {
  clientId: number | undefined;
  marketDataType = 1;
  private readonly reader = new FrameReader();
  private readonly pacing: PacingWindow;
  private queue: Promise<void> = Promise.resolve();
  private messages = 0;
  private orders = 0;
  /** Set while handling a message after which the socket drops: the client must not hear its answer. */
  private muted = false;
  /** A handler asked to drop the connection once its message is handled (dropAfterThisMessage). */
  private dropRequested = false;
  private gone = false;
  /** The first frame out is the handshake's answer, logged as such. */
  private versionSent = false;
  private held: { fields: string[]; count: number }[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly hooks: ConnectionHooks,
  ) {
    this.pacing = new PacingWindow(hooks.ctx.faults.pacingLimitPerSecond);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined); // a reset by the client; 'close' follows and does the cleanup
    socket.on('close', () => {
      this.gone = true;
      hooks.closed(this);
    });
  }

  get live(): boolean {
    return !this.gone && this.clientId !== undefined;
  }

  send(...frames: string[][]): void {
    const delay = this.hooks.ctx.faults.answerDelayMs;
    if (delay > 0) this.hooks.ctx.later(delay, () => this.write(frames));
    else this.write(frames);
  }

  sendLater(ms: number, frames: () => string[][]): void {
    const delay = ms + this.hooks.ctx.faults.answerDelayMs;
    if (delay > 0) this.hooks.ctx.later(delay, () => this.write(frames()));
    else this.write(frames());
  }

  dropAfterThisMessage(): void {
    this.muted = true;
    this.dropRequested = true;
  }

  /** Destroys the socket at once (gateway shutdown, a fault, or a client that broke the protocol). */
  close(): void {
    this.gone = true;
    this.socket.destroy();
  }

  /** After a connectivity outage: answer the held messages, in order. */
  release(): void {
    this.enqueue(async () => {
      while (this.held.length > 0 && !this.hooks.outage.active) {
        const next = this.held.shift();
        if (next !== undefined) await this.handle(next.fields, next.count);
      }
    });
  }

  private onData(chunk: Buffer): void {
    let units: Incoming[];
    try {
      units = this.reader.push(chunk);
    } catch (err) {
      return this.fail(`client ${this.clientId ?? '?'}: ${(err as Error).message}`);
    }
    for (const unit of units) {
      if (unit.kind === 'handshake') {
        this.enqueue(() => this.onHandshake(unit.versions));
        continue;
      }
      // Counted and paced on arrival, as TWS sees the socket; handled in order afterwards.
      const count = ++this.messages;
      this.hooks.ctx.stats.messagesIn += 1;
      this.hooks.log?.(describeIncoming(unit.fields, this.clientId));
      if (this.pacing.record(Date.now())) {
        this.hooks.ctx.stats.pacingViolations += 1;
        this.send(
          errorMessage(
            -1,
            100,
            `Max rate of messages per second has been exceeded:max=${this.hooks.ctx.faults.pacingLimitPerSecond} rec=${this.pacing.count} (1)`,
          ),
        );
      }
      this.enqueue(() => this.onMessage(unit.fields, count));
    }
  }

  private enqueue(step: () => void | Promise<void>): void {
    this.queue = this.queue
      .then(step)
      .catch((err: unknown) => this.hooks.ctx.problem(`internal error: ${(err as Error).stack ?? String(err)}`));
  }

  private onHandshake(versions: string): void {
    this.hooks.log?.(`<- API ${versions}`);
    let range: { min: number; max: number };
    try {
      range = parseVersionRange(versions);
    } catch (err) {
      return this.fail(`handshake: ${(err as Error).message}`);
    }
    const answer = negotiateVersion(range);
    if ('refused' in answer) {
      return this.fail(`handshake refused: the client offers ${versions}, but ${answer.refused}; the connection is closed without a reply`);
    }
    this.send(serverVersion(answer.version, this.hooks.ctx.clock()));
  }

  private async onMessage(fields: string[], count: number): Promise<void> {
    if (this.gone) return;
    if (this.clientId === undefined) return this.startApi(fields, count);
    if (this.hooks.outage.active || this.held.length > 0) {
      this.held.push({ fields, count });
      return;
    }
    await this.handle(fields, count);
  }

  private startApi(fields: string[], count: number): void {
    if (this.hooks.restart.beforeMessage(count, undefined)) return;
    if (Number(fields[0]) !== REQUEST.START_API) return this.fail(`the first message is ${requestName(fields[0])}, not START_API`);
    let clientId: number;
    try {
      clientId = parseStartApi(fields).clientId;
    } catch (err) {
      return this.fail((err as Error).message);
    }
    if (this.hooks.clientIdInUse(clientId, this)) {
      this.write([errorMessage(-1, 326, 'Unable to connect as the client id is already in use. Retry with a unique client id.')]);
      return this.close();
    }
    this.clientId = clientId;
    const { account, faults } = this.hooks.ctx;
    const dropAfter = count === faults.dropConnectionAfterMessages;
    this.muted = dropAfter;
    this.send(managedAccounts([account.state.account]), nextValidId(account.state.nextOrderId), ...farmsOk());
    if (this.hooks.outage.active) this.send(this.hooks.outage.notice());
    this.afterHandled(count, dropAfter);
  }

  private async handle(fields: string[], count: number): Promise<void> {
    const { ctx } = this.hooks;
    const isOrder = Number(fields[0]) === REQUEST.PLACE_ORDER;
    if (isOrder) this.orders += 1;
    // A restart that begins now: the message is lost with the socket.
    if (this.hooks.restart.beforeMessage(count, isOrder ? this.orders : undefined)) return;
    const dropAfter = count === ctx.faults.dropConnectionAfterMessages || (isOrder && this.orders === ctx.faults.dropConnectionAfterOrders);
    this.muted = dropAfter;
    this.hooks.sync();
    try {
      await dispatch(this, fields, ctx);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      ctx.problem(`client ${this.clientId ?? '?'}: ${err.message}`);
      this.send(errorMessage(errorIdOf(fields), 320, `Error reading request:-'${fields[0] ?? ''}' : cause - ${err.message}`));
    }
    this.afterHandled(count, dropAfter || this.dropRequested);
  }

  private afterHandled(count: number, drop: boolean): void {
    if (drop) return this.close();
    this.hooks.outage.afterMessage(count);
  }

  private write(frames: readonly string[][]): void {
    if (this.gone || this.muted || this.socket.destroyed) return;
    for (const frame of frames) {
      this.hooks.log?.(this.versionSent ? describeOutgoing(frame, this.clientId) : describeServerVersion(frame));
      this.versionSent = true;
      this.socket.write(encodeFrame(frame));
    }
  }

  private fail(message: string): void {
    this.hooks.ctx.problem(message);
    this.close();
  }
}
