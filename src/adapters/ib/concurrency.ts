/**
 * Concurrency helpers for the IB flows.
 */

/**
 * Runs an async worker over items with at most `limit` in flight at once, keeping the order of results.
 * Used to keep market data lines (and contract requests) under IB's limits while still overlapping waits.
 * The first rejection rejects the whole run; workers already started are left to settle on their own.
 */
export async function runPool<T, R>(items: readonly T[], limit: number, worker: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`runPool: limit must be a whole number >= 1 (got ${limit})`);
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const index = next;
      next += 1;
      try {
        results[index] = await worker(items[index] as T, index);
      } catch (error) {
        // Stop starting new work: after a failure (a lost connection) nothing more should be requested.
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/**
 * Runs tasks one at a time, in call order. For IB requests that carry no request id (positions, open
 * orders): two of them in flight at once could not tell their answers apart.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
