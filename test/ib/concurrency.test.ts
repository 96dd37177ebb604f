import { describe, expect, it } from 'vitest';
import { runPool, Serial } from '../../src/adapters/ib/concurrency.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runPool', () => {
  it('keeps at most `limit` workers in flight and the results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await runPool([5, 1, 4, 2, 3, 1, 2], 3, async (ms, i) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await tick(ms * 3);
      inFlight -= 1;
      return `${i}:${ms}`;
    });
    expect(peak).toBe(3);
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:1', '6:2']);
  });

  it('handles fewer items than the limit, and none', async () => {
    expect(await runPool([1, 2], 100, async (x) => x * 2)).toEqual([2, 4]);
    expect(await runPool([], 5, async (x: number) => x)).toEqual([]);
  });

  it('rejects on the first failure and starts no new work after it', async () => {
    const started: number[] = [];
    const run = runPool([1, 2, 3, 4, 5, 6], 2, async (x) => {
      started.push(x);
      await tick(1);
      if (x === 2) throw new Error('lost');
      return x;
    });
    await expect(run).rejects.toThrow('lost');
    await tick(20);
    expect(started).toEqual([1, 2, 3]);
  });

  it('refuses a limit below 1', async () => {
    await expect(runPool([1], 0, async (x) => x)).rejects.toThrow(RangeError);
  });
});

describe('Serial', () => {
  it('runs tasks one at a time in call order, whether they succeed or fail', async () => {
    const serial = new Serial();
    const log: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        await tick(ms);
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const a = serial.run(task('a', 10));
    const b = serial.run(task('b', 1, true));
    const c = serial.run(task('c', 1));
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b');
    await expect(c).resolves.toBe('c');
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});
