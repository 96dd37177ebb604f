/**
 * Each ticker in its own market's hours, through the built CLI on the sim broker: `rebalancer plan` (text and
 * --json) and `rebalancer run` on US Thanksgiving, with two US ETFs and a London listing quoted in USD.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, writeForecast } from '../support/cli.js';
import { THANKSGIVING, US_AND_LONDON_WEIGHTS, usAndLondon } from '../support/listings-abroad.js';

interface PlanJson {
  marketOpen: boolean;
  markets: { market: string; symbols: string[]; ordersAllowed: boolean; reason: string; nextOpen: string | null }[];
  orders: { symbol: string; action: string; reason: string }[];
}

describe('rebalancer with a London listing beside US ETFs (sim broker)', () => {
  it('on US Thanksgiving: plan and run trade London only, and say why the US ETFs wait', async () => {
    const ws = makeWorkspace('rebalancer-market-hours-');
    writeFileSync(join(ws.root, '.env'), '# e2e home: the settings are in the environment\n', { mode: 0o600 });
    const scenario = join(ws.root, 'scenario.json');
    writeFileSync(scenario, JSON.stringify(usAndLondon('DU0000001')));
    writeForecast(ws.forecasts, 'trend.json', {
      strategy: 'trend',
      asOf: '2026-11-26T14:35:00Z',
      leverage: 1,
      capital: 1,
      weights: US_AND_LONDON_WEIGHTS,
    });
    const env = { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs, BROKER: 'sim', SIM_SCENARIO: scenario };
    const cli = (args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: ws.root, env });

    const text = await cli(['plan', '--now', THANKSGIVING]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^ {2}ARCA \(SPY\): market closed: ARCA, opens Fri 09:30 New York \(Thanksgiving Day\)$/m);
    expect(text.stdout).toMatch(/^ {2}LSEETF \(CSPX\): orders go: market open until 16:30 London time$/m);

    const json = await cli(['plan', '--json', '--now', THANKSGIVING]);
    expect(json.code, json.stderr).toBe(0);
    const plan = JSON.parse(json.stdout) as PlanJson;
    expect(plan.marketOpen).toBe(true);
    expect(plan.orders.filter((o) => o.action !== 'NONE').map((o) => o.symbol)).toEqual(['CSPX']);
    expect(plan.orders.find((o) => o.symbol === 'QQQ')?.reason).toMatch(
      /^left for a later run \(market closed: NASDAQ, opens Fri 09:30 New York \(Thanksgiving Day\)\): would have BUY \d+ @/,
    );
    expect(plan.markets.map((m) => [m.market, m.ordersAllowed, m.nextOpen])).toEqual([
      ['ARCA', false, '2026-11-27T14:30:00Z'],
      ['LSEETF', true, null],
      ['NASDAQ', false, '2026-11-27T14:30:00Z'],
    ]);

    const run = await cli(['run', '--now', THANKSGIVING]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const orders = run.stdout.slice(run.stdout.indexOf('\n== orders'), run.stdout.indexOf('\n== records'));
    expect(orders).toMatch(/BUY \d+ CSPX LMT/);
    expect(orders).not.toMatch(/SPY|QQQ/);
  });
});
