/**
 * The job's backstop (issue 9, item 2): a run that has not returned by RUN_DEADLINE_MINUTES plus a grace period
 * (a wait that no per-call timeout caught) is recorded as failed, its alert queued in the outbox, the lock
 * released, and the process ended with exit 1, so the next cron run never finds the lock held by a hung one.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runHourlyRebalance } from '../../src/app/hourly-job.js';
import { acquireRunLock } from '../../src/adapters/files/run-lock.js';
import type { Mailer } from '../../src/ports/mailer.js';
import { aMarket, IN_SESSION } from '../support/memory-ports.js';
import { ScriptedBroker } from '../support/scripted-broker.js';
import { fileWith } from '../forecast/forecast-builders.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'hourly-deadline-'));
  mkdirSync(join(root, 'forecasts'));
  writeFileSync(
    join(root, 'forecasts', 'trend.json'),
    fileWith({
      strategy: 'trend',
      asOf: '2026-11-23T14:00:00Z',
      leverage: 1,
      capital: 1,
      weights: { AAPL: 0.1, MSFT: 0.3, SPY: 0.2 },
      contracts: {},
    }),
  );
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const env = (over: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  BROKER: 'sim',
  FORECAST_DIR: join(root, 'forecasts'),
  DATA_DIR: join(root, 'data'),
  LOG_DIR: join(root, 'logs'),
  // 0.3 s, and a tenth of it as grace.
  RUN_DEADLINE_MINUTES: '0.005',
  ...over,
});

async function hungJob(adapters: { broker?: ScriptedBroker; mailer?: Mailer }): Promise<{ code: number; exits: number[]; err: string[] }> {
  const exits: number[] = [];
  const err: string[] = [];
  const started = Date.now();
  const code = await runHourlyRebalance({
    cwd: root,
    env: env(),
    now: IN_SESSION,
    dryRun: false,
    out: () => undefined,
    err: (line) => void err.push(line),
    adapters,
    exit: (c) => void exits.push(c),
  });
  expect(Date.now() - started).toBeLessThan(5_000);
  return { code, exits, err };
}

function runRow(): { status: string; exit_code: number; error: string; finished_at: string | null } {
  const db = new Database(join(root, 'data', 'rebalancer.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT status, exit_code, error, finished_at FROM runs').get() as never;
  } finally {
    db.close();
  }
}

function outbox(): string[] {
  const dir = join(root, 'data', 'outbox');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

describe('a run that hangs past its deadline', () => {
  it('a broker call that never answers: recorded failed, alert queued, lock released, exit 1', async () => {
    const broker = new ScriptedBroker({ script: aMarket().script }).hang('positions');
    const { code, exits, err } = await hungJob({ broker });
    expect(code).toBe(1);
    expect(exits).toEqual([1]);
    const row = runRow();
    expect(row.status).toBe('failed');
    expect(row.exit_code).toBe(1);
    expect(row.finished_at).not.toBeNull();
    expect(row.error).toMatch(/did not finish within/);
    const mails = outbox();
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatch(/FAILED/);
    expect(mails[0]).toMatch(/RUN_DEADLINE/);
    expect(err.join('\n')).toMatch(/did not finish within/);
    // The next run can take the lock.
    acquireRunLock(join(root, 'data', 'run.lock'), { pid: process.pid, startedAt: IN_SESSION, runId: 'next' }).release();
  });

  it('a mailer that never answers (an SMTP server that trickles): the alert still reaches the outbox, exit 1', async () => {
    // No account the scripted broker knows: the run blocks, and its alert is what hangs.
    const broker = new ScriptedBroker({ script: { ...aMarket().script, accounts: [] } });
    const never: Mailer = { send: () => new Promise(() => undefined) };
    const { code, exits } = await hungJob({ broker, mailer: never });
    expect(code).toBe(1);
    expect(exits).toEqual([1]);
    expect(runRow().status).toBe('failed');
    expect(outbox().some((m) => /RUN_DEADLINE/.test(m))).toBe(true);
  });
});
