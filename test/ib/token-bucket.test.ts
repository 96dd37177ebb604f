import { describe, expect, it } from 'vitest';
import { IB_PACING, TokenBucket, type BucketClock } from '../../src/adapters/ib/token-bucket.js';

/** A hand-driven clock: timers fire only when the test advances time. */
class ManualClock implements BucketClock {
  time = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;

  now(): number {
    return this.time;
  }

  /** How late each timer fires beyond its delay (default: on time). */
  lateness: () => number = () => 0;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms + this.lateness(), fn, id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Advances to `until`, firing due timers in order and letting promise callbacks run between them. */
  async advanceTo(until: number): Promise<void> {
    for (;;) {
      await flush();
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
    }
    this.time = until;
    await flush();
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('TokenBucket', () => {
  it('lets a burst through at once, then paces the rest at the rate', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 40, burst: 5, clock });
    const times: number[] = [];
    for (let i = 0; i < 10; i++) void bucket.take().then(() => times.push(clock.now()));
    await clock.advanceTo(1000);
    expect(times).toEqual([0, 0, 0, 0, 0, 25, 50, 75, 100, 125]);
  });

  it("never lets more than 48 through in any one-second window with the adapter's pacing", async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ...IB_PACING, clock });
    expect(bucket.maxPerSecond).toBe(48);
    const times: number[] = [];
    // Bursty callers: 30 at t=0, 60 more at t=700, 20 at t=2500.
    const ask = (n: number) => {
      for (let i = 0; i < n; i++) void bucket.take().then(() => times.push(clock.now()));
    };
    ask(30);
    await clock.advanceTo(700);
    ask(60);
    await clock.advanceTo(2500);
    ask(20);
    await clock.advanceTo(10_000);
    expect(times).toHaveLength(110);
    for (const start of times) expect(times.filter((t) => t >= start && t <= start + 1000).length).toBeLessThanOrEqual(48);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it.each([0, 3, 10])(
    "sustains the adapter's 47 a second over 5,000 messages queued at once, timers firing up to %i ms late, at most 48 in any second",
    async (lateMs) => {
      const clock = new ManualClock();
      // Each timer fires late by a pseudo-random 0..lateMs (whole ms, a fixed sequence), as Node's timers do.
      let seed = 7;
      clock.lateness = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return Math.floor((seed / 2147483648) * (lateMs + 1));
      };
      const bucket = new TokenBucket({ ...IB_PACING, clock });
      const times: number[] = [];
      for (let i = 0; i < 5000; i++) void bucket.take().then(() => times.push(clock.now()));
      await clock.advanceTo(200_000);
      expect(times).toHaveLength(5000);
      const first = times[0] ?? 0;
      const last = times.at(-1) ?? 0;
      const sustained = ((times.length - 1) * 1000) / (last - first);
      expect(sustained).toBeGreaterThanOrEqual(IB_PACING.ratePerSecond * 0.999);
      expect(sustained).toBeLessThanOrEqual(IB_PACING.ratePerSecond * 1.001);
      // The most messages in any closed one-second window, each window starting at a message.
      let most = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while (j < times.length && (times[j] ?? 0) <= (times[i] ?? 0) + 1000) j++;
        most = Math.max(most, j - i);
      }
      expect(most).toBeLessThanOrEqual(48);
      expect(most).toBeGreaterThanOrEqual(47);
    },
  );

  it('refills while idle, but never above the burst', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 40, burst: 5, clock });
    const times: number[] = [];
    await clock.advanceTo(60_000);
    for (let i = 0; i < 7; i++) void bucket.take().then(() => times.push(clock.now()));
    await clock.advanceTo(61_000);
    expect(times).toEqual([60_000, 60_000, 60_000, 60_000, 60_000, 60_025, 60_050]);
  });

  it('rejects waiters and later takes once closed, and lets nothing through after', async () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock });
    await bucket.take();
    const waiting = bucket.take();
    bucket.close(new Error('connection lost'));
    await expect(waiting).rejects.toThrow('connection lost');
    await expect(bucket.take()).rejects.toThrow('connection lost');
    await clock.advanceTo(10_000);
  });

  it('refuses a bucket that could never let anything through', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 5 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 10, burst: 0 })).toThrow(RangeError);
  });
});
