import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runHourlyRebalance } from '../../src/app/hourly-job.js';
import { ibJob, type IbJobResult } from './support/ib-job.js';
import { ACCOUNT, baseScenario, NOW, useIbHarness, type Gateway } from './support/ib-harness.js';

const h = useIbHarness();

/** The hourly job as cron starts it, with BROKER=ib pointed at the simulated gateway. */
function run(gateway: Gateway, now: string, extra: Record<string, string> = {}): Promise<IbJobResult> {
  return ibJob(h.dir, gateway, now, { env: extra });
}

describe('the hourly job with BROKER=ib', () => {
  it('trades to the targets, then records the fills with commissions on the next run and sends nothing', async () => {
    // IB's clock keeps time with the machine's (a run reads it, and halts when they are apart: CLOCK_SKEW).
    let ibNow = NOW;
    const gateway = await h.gateway({ ...baseScenario(), fills: { partialFillProbability: 0 } }, { now: () => ibNow });
    const first = await run(gateway, NOW);
    expect(first.code, first.out).toBe(0);
    expect(gateway.placedOrders().map((o) => [o.symbol, o.action, o.totalQuantity])).toEqual([
      ['AAPL', 'BUY', 84],
      ['MSFT', 'BUY', 85],
      ['SPY', 'BUY', 38],
    ]);
    expect(
      gateway.placedOrders().every((o) => o.orderRef.startsWith('rebal:') && o.algoStrategy === 'Adaptive' && o.account === ACCOUNT),
    ).toBe(true);

    ibNow = '2026-11-23T16:00:00Z';
    const second = await run(gateway, ibNow);
    expect(second.code, second.out).toBe(0);
    expect(gateway.placedOrders()).toHaveLength(3);
    const csv = readFileSync(join(h.dir, 'data', 'trades.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv).toHaveLength(1 + 3);
  });

  it('fails closed when the connection drops after the first order: exit 1, and IB saw exactly one order', async () => {
    const gateway = await h.gateway({ ...baseScenario(), gateway: { faults: { dropConnectionAfterOrders: 1 } } });
    const result = await run(gateway, NOW);
    expect(result.code, result.out).toBe(1);
    // Orders go out pipelined: the run hears of the drop as the socket closes, or as its next order's write fails.
    expect(result.out).toMatch(/dropped during the run.*; nothing is resent/);
    expect(gateway.placedOrders()).toHaveLength(1);
    expect(gateway.stats().connections).toBe(1);
  });

  it('fails with exit 1 and a clear message when no gateway listens', async () => {
    const port = await h.freePort();
    const lines: string[] = [];
    const code = await runHourlyRebalance({
      cwd: h.dir,
      now: NOW,
      dryRun: false,
      out: (l) => lines.push(l),
      err: (l) => lines.push(l),
      env: {
        BROKER: 'ib',
        IB_PORT: String(port),
        IB_ACCOUNT: ACCOUNT,
        IB_CONNECT_RETRIES: '1',
        DATA_DIR: join(h.dir, 'data'),
        FORECAST_DIR: join(h.dir, 'none'),
        LOG_DIR: join(h.dir, 'logs'),
      },
    });
    expect(code).toBe(1);
    expect(lines.join('\n')).toMatch(new RegExp(`could not connect to TWS/IB Gateway at 127\\.0\\.0\\.1:${port} .*after 2 attempt`));
  });
});
