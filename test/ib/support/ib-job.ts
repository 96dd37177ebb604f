/**
 * The hourly job as cron starts it, in-process, with BROKER=ib pointed at the simulated gateway: one strategy
 * (trend: AAPL 0.3, MSFT 0.3, SPY 0.2 unless the test names its weights) in the test's forecast directory, and the settings the TCP tests share.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runHourlyRebalance } from '../../../src/app/hourly-job.js';
import { ACCOUNT, CLIENT_ID, type Gateway } from './ib-harness.js';

export interface IbJobResult {
  code: number;
  /** Everything the job printed, stdout and stderr, one line each. */
  out: string;
  ms: number;
}

export async function ibJob(
  dir: string,
  gateway: Gateway,
  now: string,
  o: { env?: Record<string, string>; asOf?: string; weights?: Record<string, number> } = {},
): Promise<IbJobResult> {
  const forecasts = join(dir, 'forecasts');
  mkdirSync(forecasts, { recursive: true });
  const forecast = {
    strategy: 'trend',
    asOf: o.asOf ?? '2026-11-23T14:00:00Z',
    leverage: 1,
    capital: 1,
    weights: o.weights ?? { AAPL: 0.3, MSFT: 0.3, SPY: 0.2 },
  };
  writeFileSync(join(forecasts, 'trend.json'), JSON.stringify(forecast));
  const env = {
    BROKER: 'ib',
    IB_PORT: String(gateway.port),
    IB_ACCOUNT: ACCOUNT,
    IB_CLIENT_ID: String(CLIENT_ID),
    IB_CONNECT_RETRIES: '0',
    DATA_DIR: join(dir, 'data'),
    FORECAST_DIR: forecasts,
    LOG_DIR: join(dir, 'logs'),
    ORDER_STATUS_WINDOW_MS: '300',
    MARKET_DATA_TIMEOUT_MS: '2000',
    ...o.env,
  };
  const lines: string[] = [];
  const started = Date.now();
  const code = await runHourlyRebalance({ cwd: dir, env, now, dryRun: false, out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, out: lines.join('\n'), ms: Date.now() - started };
}
