import type { GatewayFaults } from '../../sim/scenario-gateway.js';
import { errorMessage } from '../encode/encode-basic.js';

/**
 * The `connectivityLost` fault: TWS loses its link to IB's servers. Once per gateway run, after a connection's
 * Nth message is answered, every client gets info 1100; messages are held unanswered (and the market is not
 * advanced) for `restoreAfterMs`; then every client gets 1102 and the held messages are answered in order.
 */

export const CONNECTIVITY_LOST = 'Connectivity between IB and Trader Workstation has been lost.';
export const CONNECTIVITY_RESTORED = 'Connectivity between IB and Trader Workstation has been restored - data maintained.';

export interface OutageHooks {
  broadcast(frame: string[]): void;
  later(ms: number, action: () => void): void;
  /** Called after 1102 went out: connections release what they held. */
  restored(): void;
}

export class ConnectivityOutage {
  private fired = false;
  private lost = false;

  constructor(
    private readonly fault: GatewayFaults['connectivityLost'],
    private readonly hooks: OutageHooks,
  ) {}

  /** True while IB is unreachable: answers wait. */
  get active(): boolean {
    return this.lost;
  }

  /** The frame a client connecting during the outage gets after its start-up messages. */
  notice(): string[] {
    return errorMessage(-1, 1100, CONNECTIVITY_LOST);
  }

  /** Called after a connection answered its `count`-th message. */
  afterMessage(count: number): void {
    if (this.fault === null || this.fired || count !== this.fault.afterMessages) return;
    this.fired = true;
    this.lost = true;
    this.hooks.broadcast(this.notice());
    this.hooks.later(this.fault.restoreAfterMs, () => {
      this.lost = false;
      this.hooks.broadcast(errorMessage(-1, 1102, CONNECTIVITY_RESTORED));
      this.hooks.restored();
    });
  }
}
