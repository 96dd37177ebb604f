/**
 * `rebalancer plan` as a scripted pre-check: exit 3 when a run would be blocked (the kill switch, any breaker
 * that halts or reduces, the account check), 0 when it would trade as planned or, with a clean plan, when the
 * market is closed. A blocked plan says so first and its lines read as what would have been done, not as orders.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeWorkspace, runCli, writeForecast } from '../support/cli.js';

// Monday 23 November 2026, 10:35 in New York: the market is open.
const IN_SESSION = '2026-11-23T15:35:00Z';
// Saturday 21 November 2026: closed.
const WEEKEND = '2026-11-21T15:35:00Z';

function workspace(): { root: string; env: Record<string, string> } {
  const ws = makeWorkspace('rebalancer-plan-exit-');
  writeFileSync(join(ws.root, '.env'), '# e2e home: the settings are in the environment\n', { mode: 0o600 });
  writeForecast(ws.forecasts, 'trend.json', {
    strategy: 'trend',
    asOf: '2026-11-20T21:00:00Z',
    leverage: 1,
    capital: 1,
    weights: { SPY: 0.4, TLT: 0.3, GLD: 0.2 },
  });
  return { root: ws.root, env: { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs } };
}

interface PlanJson {
  tradingState: string;
  wouldBeBlocked: boolean;
  blockedReason: string | null;
  marketOpen: boolean;
  orders: { symbol: string; action: string; reason: string }[];
}

describe('rebalancer plan, exit codes', () => {
  it('0 when a run would trade; 3 with the kill switch on (HALTED banner, every line NONE with what it would have done); 0 again after resume', async () => {
    const ws = workspace();
    const cli = (args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: ws.root, env: ws.env });

    const clean = await cli(['plan', '--now', IN_SESSION]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).not.toMatch(/TRADING HALTED/);
    expect(clean.stdout).toMatch(/^SPY .* BUY /m);
    const cleanJson = await cli(['plan', '--json', '--now', IN_SESSION]);
    expect(cleanJson.code).toBe(0);
    expect(JSON.parse(cleanJson.stdout)).toMatchObject({ tradingState: 'ACTIVE', wouldBeBlocked: false, blockedReason: null });

    expect((await cli(['halt', '--reason', 'checking a fill'])).code).toBe(0);
    const halted = await cli(['plan', '--now', IN_SESSION]);
    expect(halted.code, halted.stderr).toBe(3);
    const lines = halted.stdout.split('\n');
    const planAt = lines.findIndex((l) => l.startsWith('plan at '));
    expect(lines[planAt + 1]).toBe('TRADING HALTED: nothing would be sent (KILL_SWITCH)');
    const rowAt = lines.flatMap((l, i) => (/^(SPY|TLT|GLD) /.test(l) ? [i] : []));
    expect(rowAt).toHaveLength(3);
    for (const i of rowAt) {
      // The row, then its why indented under it.
      expect(lines[i]).toMatch(/^\S+\s+0\s+\d+\s+NONE\s+[\d.]+$/);
      expect(lines[i + 1]).toMatch(/^ {4}HALTED: would have BUY \d+ @ [\d.]+; target /);
      expect(`${lines[i] ?? ''} ${lines[i + 1] ?? ''}`).not.toMatch(/KILL_SWITCH|blocked \(/);
    }
    expect(halted.stdout).toMatch(/KILL_SWITCH: .*checking a fill/);

    const haltedJson = await cli(['plan', '--json', '--now', IN_SESSION]);
    expect(haltedJson.code).toBe(3);
    const json = JSON.parse(haltedJson.stdout) as PlanJson;
    expect(json.tradingState).toBe('HALTED');
    expect(json.wouldBeBlocked).toBe(true);
    expect(json.blockedReason).toBe('TRADING HALTED: nothing would be sent (KILL_SWITCH)');
    expect(json.orders.every((o) => o.action === 'NONE')).toBe(true);

    // The market closed does not hide a blocked plan: the session's first run would be blocked as well.
    const weekend = await cli(['plan', '--now', WEEKEND]);
    expect(weekend.code).toBe(3);
    expect(weekend.stdout).toMatch(/TRADING HALTED: nothing would be sent \(KILL_SWITCH\)/);
    expect(weekend.stdout).toMatch(/a run now would send nothing; the next session opens/);

    expect((await cli(['resume', '--reason', 'fill checked'])).code).toBe(0);
    expect((await cli(['plan', '--now', IN_SESSION])).code).toBe(0);
    // Closed, with a clean plan: 0, as a run then (skipped).
    const closed = await cli(['plan', '--json', '--now', WEEKEND]);
    expect(closed.code).toBe(0);
    expect(JSON.parse(closed.stdout)).toMatchObject({ marketOpen: false, wouldBeBlocked: false, blockedReason: null });
  });

  it("3 when the account check fails (IB_ACCOUNT not the login's): no plan, the banner and the breach", async () => {
    const ws = workspace();
    const env = { ...ws.env, IB_ACCOUNT: 'DU7777777' };
    const text = await runCli(['plan', '--now', IN_SESSION], { cwd: ws.root, env });
    expect(text.code, text.stderr).toBe(3);
    expect(text.stdout).toMatch(/^TRADING HALTED: nothing would be sent \(ACCOUNT_MISMATCH\)$/m);
    expect(text.stdout).toMatch(/ACCOUNT_MISMATCH: IB_ACCOUNT DU7777777 is not among the accounts/);
    const json = await runCli(['plan', '--json', '--now', IN_SESSION], { cwd: ws.root, env });
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({
      wouldBeBlocked: true,
      blockedReason: 'TRADING HALTED: nothing would be sent (ACCOUNT_MISMATCH)',
    });
  });

  it('--help names the exit codes', async () => {
    const ws = workspace();
    const help = await runCli(['plan', '--help'], { cwd: ws.root, env: ws.env });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:/);
    expect(help.stdout).toMatch(/3 +a run now would be blocked/);
  });
});
