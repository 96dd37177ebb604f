/**
 * A token bucket that paces outgoing messages. Pure logic over an injectable clock, so tests can drive it.
 *
 * A bucket of `burst` tokens refilled at `ratePerSecond` lets through at most `burst + ratePerSecond × T`
 * messages in any window of T seconds. IB allows 50 messages per second per client (error 100 above, and
 * TWS eventually drops the connection), so the adapter uses {@link IB_PACING}.
 */

/** The time source and timers the bucket uses; `systemClock` in production. */
export interface BucketClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The adapter's pacing: 47 messages a second, evenly spaced, with a bucket of 1.5, so that no one-second window
 * holds more than floor(1.5 + 47) = 48 messages as they leave, two under IB's 50. Why not 50:
 * - IB counts on its side, as messages arrive. A delay that varies on the way (the network, the kernel, the
 *   gateway reading its socket late while busy) bunches messages together: messages that left over 1000 + J ms
 *   can arrive within one second. Even spacing keeps that to 47 × J / 1000 extra: IB sees at most 50 while the
 *   variation stays under 53 ms (floor(48.5 + 0.047 × J) <= 50). At 48 a second the margin is 31 ms, and the
 *   simulated gateway, reading its socket late on a busy 2-core machine, counted 51 in a second.
 * - A violation costs far more than the 6% this leaves: IB answers error 100 (the run fails closed on it: nothing
 *   more is sent, the next run reconciles) and may close the connection.
 * - The half token in hand absorbs the lateness of timers (Node fires a timer a millisecond or so late; up to
 *   about 10 ms is absorbed), so the bucket sustains 47 a second, not less; later timers lose that time, never
 *   bunch messages (the bucket never holds more than 1.5).
 * After a pause the bucket holds 1.5 tokens: one message at once, the next 11 ms later, then every 21.3 ms.
 */
export const IB_PACING = { ratePerSecond: 47, burst: 1.5 } as const;

export const systemClock: BucketClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface TokenBucketOptions {
  ratePerSecond: number;
  burst: number;
  clock?: BucketClock;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly waiters: Waiter[] = [];
  private timer: unknown;
  private closedWith: Error | undefined;
  private readonly clock: BucketClock;

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) throw new RangeError('token bucket: rate must be > 0 and burst >= 1');
    this.clock = options.clock ?? systemClock;
    this.tokens = options.burst;
    this.last = this.clock.now();
  }

  /** Most messages the bucket lets through in any one-second window. */
  get maxPerSecond(): number {
    return Math.floor(this.options.burst + this.options.ratePerSecond);
  }

  /** Waits for a token, first come first served. Rejects once the bucket is closed. */
  take(): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  /** Rejects every waiter and every later take with `reason`; nothing queued is ever let through. */
  close(reason: Error): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of this.waiters.splice(0)) waiter.reject(reason);
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last);
    this.tokens = Math.min(this.options.burst, this.tokens + (elapsed * this.options.ratePerSecond) / 1000);
    this.last = now;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.waiters.length === 0) return;
    const wait = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.options.ratePerSecond));
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, wait);
  }

  private drain(): void {
    if (this.closedWith) return;
    this.refill();
    while (this.waiters.length > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      this.waiters.shift()?.resolve();
    }
    this.schedule();
  }
}
