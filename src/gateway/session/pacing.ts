/**
 * IB's pacing rule: at most N messages from a client in any one second. A sliding window of arrival times
 * (real time, not the simulated clock: pacing is about the socket, not the market).
 */
export class PacingWindow {
  private readonly arrivals: number[] = [];

  constructor(private readonly limitPerSecond: number) {}

  /** Records a message arriving at `atMs`; true when it is over the limit. */
  record(atMs: number): boolean {
    while (this.arrivals.length > 0 && (this.arrivals[0] ?? 0) <= atMs - 1000) this.arrivals.shift();
    this.arrivals.push(atMs);
    return this.arrivals.length > this.limitPerSecond;
  }

  /** Messages in the window ending at the last arrival. */
  get count(): number {
    return this.arrivals.length;
  }
}
