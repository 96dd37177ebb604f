/**
 * IB's pacing of the Flex Web Service: at most one request a second and 10 a minute per token (beyond that IB
 * answers error 1018). Every request of the process with the same token takes its slot here first, so the
 * client never sends more than IB allows, whatever asks.
 */

export interface FlexPacing {
  /** Least time between two requests (IB: 1000 ms). */
  minIntervalMs: number;
  /** Most requests in any window of windowMs (IB: 10 a minute). */
  perWindow: number;
  windowMs: number;
  /**
   * Added to both spacings: IB counts a request when it arrives, and a request can arrive sooner after the one
   * before it than it was sent (the first waited for the connection).
   */
  marginMs: number;
}

export const IB_FLEX_PACING: FlexPacing = { minIntervalMs: 1000, perWindow: 10, windowMs: 60_000, marginMs: 250 };

export class FlexPacer {
  private readonly sent: number[] = [];
  private blockedUntil = 0;

  constructor(
    readonly limits: FlexPacing,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** How long until the next request may go (0: now). */
  waitMs(): number {
    const t = this.now();
    const window = this.limits.windowMs + this.limits.marginMs;
    while (this.sent.length > 0 && (this.sent[0] ?? 0) <= t - window) this.sent.shift();
    let wait = Math.max(0, this.blockedUntil - t);
    const last = this.sent.at(-1);
    if (last !== undefined) wait = Math.max(wait, last + this.limits.minIntervalMs + this.limits.marginMs - t);
    if (this.sent.length >= this.limits.perWindow) {
      wait = Math.max(wait, (this.sent[this.sent.length - this.limits.perWindow] ?? t) + window - t);
    }
    return wait;
  }

  /**
   * Waits for a slot and takes it. Resolves false, without waiting, when the slot would come after `deadline`
   * (a time on this pacer's clock).
   */
  async take(deadline: number): Promise<boolean> {
    for (;;) {
      const wait = this.waitMs();
      if (wait <= 0) {
        this.sent.push(this.now());
        return true;
      }
      if (this.now() + wait > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** IB said "too many requests" (1018): nothing more for a whole window. */
  throttled(): void {
    this.blockedUntil = this.now() + this.limits.windowMs;
  }
}

const pacers = new Map<string, FlexPacer>();

/** The process's one pacer for a token (and pacing). */
export function pacerFor(token: string, limits: FlexPacing): FlexPacer {
  const key = `${token}\u0000${limits.minIntervalMs}/${limits.perWindow}/${limits.windowMs}/${limits.marginMs}`;
  let pacer = pacers.get(key);
  if (pacer === undefined) {
    pacer = new FlexPacer(limits);
    pacers.set(key, pacer);
  }
  return pacer;
}
