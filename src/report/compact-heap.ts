/**
 * One full, compacting garbage collection, before the charts' libraries load (nlv-chart.ts): what the run or the
 * report no longer needs is freed and the JavaScript heap's emptied pages are given back, so that Skia's 20-25 MB
 * reuse that memory instead of adding to the peak. At that moment a 500-ticker run holds about 35 MB of heap of which
 * about 17 MB is alive; V8 would collect the rest only when the heap grows again, after Skia has taken its own.
 * About 30 ms, once per process that draws a chart (at most the few runs a day that send a charted summary).
 *
 * Node gives a program no call for this: the collector is exposed (`--expose-gc`, which applies to contexts made
 * after it) to a fresh context only, and compaction asked for this one collection, then turned off again.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/** Never throws: memory, not behaviour. */
export function compactHeap(): void {
  try {
    if (collect === undefined) {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
    setFlagsFromString('--compact-on-every-full-gc');
    try {
      collect();
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
  } catch {
    // A Node without these V8 hooks: the collector runs when it decides to.
  }
}
