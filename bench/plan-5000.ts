/**
 * Benchmark: the planning core (planRebalance: sizing, limit prices, costs, every breaker, the trading state) on
 * 5,000 tickers in-process, against the goal of 100 ms, and the same for the reference implementation (the core
 * as it was before integer arithmetic, all Decimal: test/support/reference-plan.ts) in the same run.
 *
 * The account is bench/plan-workload.ts's: NLV 25,000,000.00, three strategies with overlapping weights, four in
 * five tickers held, about 4,600 orders. Each implementation is warmed up (5 runs), then run N times; the median
 * wall time and the median CPU time of the process (the wall time on a shared machine counts other programs' turns
 * too) are reported. The two plans must be deep-equal, else the benchmark exits 1.
 *
 * Usage: npm run bench:plan        (builds first)
 *        node dist/bench/plan-5000.js [--tickers N] [--runs N]
 */
import { isDeepStrictEqual } from 'node:util';
import { planRebalance } from '../src/core/plan-rebalance.js';
import type { Plan, PlanInputs } from '../src/core/types.js';
import { planWorkload } from './plan-workload.js';
import { referencePlanRebalance } from '../test/support/reference-plan.js';

const GOAL_MS = 100;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

interface Timing {
  /** Median wall time of one plan, in ms. */
  ms: number;
  /** Median CPU time (user + system, all of the process's threads: the garbage collector's too), in ms. */
  cpuMs: number;
  plan: Plan;
}

function time(plan: (inputs: PlanInputs) => Plan, inputs: PlanInputs, warmup: number, runs: number): Timing {
  let last = plan(inputs);
  for (let i = 0; i < warmup; i++) last = plan(inputs);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const startCpu = process.cpuUsage();
    last = plan(inputs);
    const used = process.cpuUsage(startCpu);
    wall.push(Number(process.hrtime.bigint() - start) / 1e6);
    cpu.push((used.user + used.system) / 1000);
  }
  return { ms: median(wall), cpuMs: median(cpu), plan: last };
}

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const tickers = option('--tickers', 5_000);
  const runs = option('--runs', 15);
  const inputs = planWorkload(tickers);
  const now = time(planRebalance, inputs, 5, runs);
  const before = time(referencePlanRebalance, inputs, 5, runs);
  const orders = now.plan.lines.filter((l) => l.action !== 'NONE').length;
  const line = (name: string, t: Timing): string =>
    `${name.padEnd(26)} ${t.ms.toFixed(1).padStart(7)} ms   ${(t.ms / GOAL_MS).toFixed(2)}x the ${GOAL_MS} ms goal` +
    `   (CPU ${t.cpuMs.toFixed(1)} ms, ${(t.cpuMs / GOAL_MS).toFixed(2)}x)`;
  console.log(
    `planRebalance, ${tickers} tickers, ${now.plan.lines.length} lines, ${orders} orders, ` +
      `${now.plan.breaches.length} breaches, median of ${runs} runs after 5 warm-up runs`,
  );
  console.log(line('integer core (src/core)', now));
  console.log(line('reference (all Decimal)', before));
  console.log(`ratio new/old: ${(now.ms / before.ms).toFixed(2)} (CPU ${(now.cpuMs / before.cpuMs).toFixed(2)})`);
  if (!isDeepStrictEqual(now.plan, before.plan)) {
    console.error('FAIL: the two plans differ');
    process.exit(1);
  }
  console.log('plans identical: yes');
}

main();
