/**
 * IB Gateway's daily restart window (issue 10, "IB Gateway's life"): a run of the hourly job that starts within
 * IB_RESTART_WINDOW_MINUTES of IB_RESTART_TIME does not connect. It says so in one line naming the window and the
 * next run, is recorded as skipped with that note, exits 0 and sends no alert; the next run is an ordinary one
 * that neither reports a missed run nor takes the skipped one for a run that collected executions.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runHourlyRebalance } from '../../src/app/hourly-job.js';
import { aMarket, IN_SESSION } from '../support/memory-ports.js';
import { SCRIPTED_ACCOUNT, ScriptedBroker } from '../support/scripted-broker.js';
import { fileWith } from '../forecast/forecast-builders.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'restart-window-'));
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

// IN_SESSION is 10:30 in New York: a gateway in Hong Kong restarting at 23:35 there restarts at 10:35 New York time.
const RESTART = '23:35 Asia/Hong_Kong';

async function job(now: string, broker: ScriptedBroker, over: Record<string, string> = {}): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runHourlyRebalance({
    cwd: root,
    env: {
      BROKER: 'ib',
      IB_ACCOUNT: SCRIPTED_ACCOUNT,
      IB_RESTART_TIME: RESTART,
      FORECAST_DIR: join(root, 'forecasts'),
      DATA_DIR: join(root, 'data'),
      LOG_DIR: join(root, 'logs'),
      ...over,
    },
    now,
    dryRun: false,
    out: (l) => void lines.push(l),
    err: (l) => void lines.push(l),
    adapters: { broker },
  });
  return { code, lines };
}

function runs(): { id: string; status: string; exit_code: number; error: string | null }[] {
  const db = new Database(join(root, 'data', 'rebalancer.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT id, status, exit_code, error FROM runs ORDER BY started_at').all() as never;
  } finally {
    db.close();
  }
}

function outbox(): string[] {
  const dir = join(root, 'data', 'outbox');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
}

describe('a run in IB Gateway restart window', () => {
  it('does not connect: one line naming the window and the next run, recorded as skipped, exit 0, no alert', async () => {
    const broker = new ScriptedBroker(aMarket());
    const { code, lines } = await job(IN_SESSION, broker);
    expect(code).toBe(0);
    expect(broker.calls).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^run \S+ skipped: 2026-11-23T15:30:00Z is in IB Gateway's daily restart window \(IB_RESTART_TIME=23:35 Asia\/Hong_Kong, IB_RESTART_WINDOW_MINUTES=10: 2026-11-23T15:25:00Z to 2026-11-23T15:45:00Z\); not connected, no orders; next run 2026-11-23T16:30:00Z$/,
    );
    const [run] = runs();
    expect(run).toMatchObject({ status: 'skipped', exit_code: 0 });
    expect(run?.error).toContain("IB Gateway's daily restart window");
    expect(outbox()).toEqual([]);
    expect(readFileSync(join(root, 'logs', 'rebalancer.log'), 'utf8')).toContain("is in IB Gateway's daily restart window");
  });

  it('skips a run at either end of the window, not one a second outside it', async () => {
    expect((await job('2026-11-23T15:25:00Z', new ScriptedBroker(aMarket()), { IB_RESTART_WINDOW_MINUTES: '10' })).lines[0]).toMatch(
      /skipped/,
    );
    expect((await job('2026-11-23T15:38:00Z', new ScriptedBroker(aMarket()), { IB_RESTART_WINDOW_MINUTES: '3' })).lines[0]).toMatch(
      /skipped/,
    );
    const outside = new ScriptedBroker(aMarket());
    const after = await job('2026-11-23T15:38:01Z', outside, { IB_RESTART_WINDOW_MINUTES: '3' });
    expect(outside.callsTo('connect')).toHaveLength(1);
    expect(after.lines.join('\n')).not.toMatch(/restart window/);
  });

  it('is not a window for the sim broker, nor without IB_RESTART_TIME', async () => {
    const broker = new ScriptedBroker(aMarket());
    await job(IN_SESSION, broker, { IB_RESTART_TIME: '' });
    expect(broker.callsTo('connect')).toHaveLength(1);
  });

  it('is followed by an ordinary run: no missed run reported, executions asked for from before the skipped run', async () => {
    // The broker's clock is the run's (a scripted broker otherwise reads the machine's: a skew).
    const at = (now: string): ScriptedBroker => new ScriptedBroker({ ...aMarket(), clock: () => now });
    expect((await job('2026-11-23T14:30:00Z', at('2026-11-23T14:30:00Z'))).code).toBe(0);
    await job(IN_SESSION, at(IN_SESSION));
    const next = at('2026-11-23T16:30:00Z');
    const { lines } = await job('2026-11-23T16:30:00Z', next);
    expect(next.callsTo('connect')).toHaveLength(1);
    expect(lines.join('\n')).not.toMatch(/missed/);
    // An hour before the last run that collected executions (14:30), not before the skipped one (15:30).
    const since = next.callsTo('executions').map(([from]) => Date.parse(from));
    expect(since.length).toBeGreaterThan(0);
    for (const t of since) expect(Math.abs(t - Date.parse('2026-11-23T13:30:00Z'))).toBeLessThan(60_000);
    expect(runs().map((r) => r.status)).toEqual(['ok', 'skipped', 'ok']);
  });

  it('a run cut by the broker just after the window fails as ever, and its alert says the gateway probably restarted', async () => {
    // 15:50 is 15 minutes after the 15:35 restart, 5 past the window: the run connects; the connection drops.
    const at = '2026-11-23T15:50:00Z';
    const broker = new ScriptedBroker({ ...aMarket(), clock: () => at }).dropConnection('placeOrder');
    const { code } = await job(at, broker);
    expect(code).toBe(1);
    expect(runs().map((r) => r.status)).toEqual(['failed']);
    const alert = unfold(readFileSync(join(root, 'data', 'outbox', outbox()[0] ?? ''), 'utf8'));
    expect(alert).toMatch(
      /the run started 15 minute\(s\) after IB Gateway's daily restart \(IB_RESTART_TIME=23:35 Asia\/Hong_Kong, at 2026-11-23T15:35:00Z\): the gateway probably restarted/,
    );

    // The same failure far from the restart: no such note.
    rmSync(join(root, 'data'), { recursive: true, force: true });
    const far = '2026-11-23T18:30:00Z';
    expect((await job(far, new ScriptedBroker({ ...aMarket(), clock: () => far }).dropConnection('placeOrder'))).code).toBe(1);
    expect(unfold(readFileSync(join(root, 'data', 'outbox', outbox()[0] ?? ''), 'utf8'))).not.toMatch(/probably restarted/);
  });
});

/** The text of an .eml file with quoted-printable soft line breaks and escapes undone. */
function unfold(eml: string): string {
  return eml.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}
