/**
 * The young generation of the JavaScript heap, held small: what the program does for its own process, before the
 * command's modules load (cli/rebalancer.ts), so that a small machine is enough for a 500-ticker run.
 *
 * V8 allocates every new object in the young generation and empties it by copying what survives between its two
 * semi-spaces. On 64-bit Node 20 each semi-space grows, by doubling, up to 16 MB, as soon as a burst of allocation
 * (loading modules, reading a day of records) makes survivors common: 32 MB and more of resident memory that holds
 * mostly garbage between two collections. A run allocates about 1 GB over its life and keeps about 20 MB; a young
 * generation of YOUNG_GENERATION_MB costs about 3 times as many (short) collections as the default and takes 20-25 MB
 * off the peak (measured: bench/email-memory.ts and bench/records-year.ts, README "Peak memory").
 *
 * The size cannot be set once the heap exists (`--max-semi-space-size` is read when the process starts, and
 * NODE_OPTIONS is the user's), but the growth can: once the young generation has reached the size, its growth factor
 * is set to 1 (`--semi-space-growth-factor`, read at each growth), checked after each collection. It can overshoot by
 * one doubling when several collections run with no turn of the event loop in between.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** Both semi-spaces together (V8's new_space size), in MB. */
export const YOUNG_GENERATION_MB = 8;

const youngGenerationBytes = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;

/** Stops the young generation's growth once it reaches `megabytes` (see above). Never throws: memory, not behaviour. */
export function capYoungGeneration(megabytes = YOUNG_GENERATION_MB): void {
  const limit = megabytes * 1024 * 1024;
  const stop = (): void => setFlagsFromString('--semi-space-growth-factor=1');
  try {
    if (youngGenerationBytes() >= limit) return stop();
    const observer = new PerformanceObserver(() => {
      if (youngGenerationBytes() < limit) return;
      stop();
      observer.disconnect();
    });
    observer.observe({ entryTypes: ['gc'] });
  } catch {
    // A Node without these V8 hooks runs with its default young generation.
  }
}
