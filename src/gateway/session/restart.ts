import type { GatewayFaults } from '../../sim/scenario-gateway.js';

/**
 * The `restart` fault: IB Gateway's daily restart, rehearsed in the middle of a run. Once per gateway run, when a
 * connection comes to its `afterMessages`-th message (or its `afterOrders`-th placeOrder), the gateway goes away
 * before acting on it: that message is lost (as a request written into a socket that is closing), every socket is
 * destroyed, and connections are refused (the port is closed) for `awayMs`. Then it listens again on the same port,
 * in front of the same simulated account: orders that were working are still working (they live at IB, not in the
 * gateway), the day's executions are still served, and the next valid order id is again one above the highest id
 * the gateway received, so an id a client used for a message lost in the restart is handed out again, as IB does.
 * Meanwhile the market goes on: IB's servers did not restart.
 */

export interface RestartHooks {
  /** Destroys every client socket. */
  closeAll(): void;
  /** Stops accepting connections (the port is closed: a connect is refused). */
  stopListening(): Promise<void>;
  /** Listens again on the same port. */
  listenAgain(): Promise<void>;
  later(ms: number, action: () => void): void;
  /** Reports a failure to come back (the port taken meanwhile). */
  problem(message: string): void;
}

export class GatewayRestart {
  private fired = false;
  private away = false;

  constructor(
    private readonly fault: GatewayFaults['restart'],
    private readonly hooks: RestartHooks,
  ) {}

  /** True from the restart until the gateway listens again. */
  get active(): boolean {
    return this.away;
  }

  /**
   * Called before a connection acts on its `count`-th message (`orders`: its placeOrder count, the message
   * included, when it is one). True when the gateway restarts now: the message must not be acted on.
   */
  beforeMessage(count: number, orders: number | undefined): boolean {
    if (this.away) return true;
    const f = this.fault;
    if (f === null || this.fired) return false;
    const due = count === f.afterMessages || (orders !== undefined && orders === f.afterOrders);
    if (!due) return false;
    this.fired = true;
    this.away = true;
    this.hooks.closeAll();
    void this.hooks
      .stopListening()
      .then(() =>
        this.hooks.later(f.awayMs, () => {
          this.hooks.listenAgain().then(
            () => {
              this.away = false;
            },
            (err: unknown) => this.hooks.problem(`the restarted gateway could not listen again: ${(err as Error).message}`),
          );
        }),
      )
      .catch((err: unknown) => this.hooks.problem(`the gateway could not stop listening for its restart: ${(err as Error).message}`));
    return true;
  }
}
