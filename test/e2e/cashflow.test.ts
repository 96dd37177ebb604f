/**
 * The built `rebalancer cashflow`, as a person types it: a negative amount after --amount is its value (not an
 * option), a declaration is listed and shown by status, and bad input exits 2 naming the option.
 */
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, writeForecast } from '../support/cli.js';

const T0 = '2026-11-23T15:35:00Z';
const LATER = '2026-11-23T16:00:00Z';

describe('rebalancer cashflow (built command)', () => {
  it('declares a withdrawal, lists it, shows it in status; usage errors and a home without records exit 2', async () => {
    const ws = makeWorkspace();
    const env = { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs };

    const before = await runCli(['cashflow', '--now', LATER], { cwd: ws.root, env });
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(/nothing was created/);

    writeForecast(ws.forecasts, 'trend.json', { strategy: 'trend', asOf: T0, leverage: 1, weights: { SPY: 0.3 } });
    expect((await runCli(['run', '--now', T0], { cwd: ws.root, env })).code).toBe(0);

    const declared = await runCli(
      ['cashflow', '--amount', '-8000', '--kind', 'withdrawal', '--reason', 'moved to savings', '--now', LATER],
      { cwd: ws.root, env },
    );
    expect(declared.stderr).toBe('');
    expect(declared.code).toBe(0);
    expect(declared.stdout).toMatch(/recorded: withdrawal -8,000\.00 USD at 2026-11-23T16:00:00\.000Z \(declared, declared:/);
    expect(declared.stdout).toContain('the next run takes it out of NAV_JUMP and DAILY_LOSS_LIMIT');

    const listed = await runCli(['cashflow', '--json', '--now', LATER], { cwd: ws.root, env });
    expect(listed.code).toBe(0);
    const json = JSON.parse(listed.stdout) as { flows: { amount: number; source: string; kind: string; counted: boolean }[] };
    expect(json.flows.map((f) => [f.amount, f.source, f.kind, f.counted])).toEqual([[-8000, 'declared', 'withdrawal', true]]);

    const status = await runCli(['status'], { cwd: ws.root, env: { ...env, REBALANCER_NOW: LATER } });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      /cash flows today .*\n {2}2026-11-23T16:00:00\.000Z -8,000\.00 USD withdrawal \(declared, operator .*\): moved to savings/,
    );

    for (const [args, message] of [
      [['--amount', '-8000', '--kind', 'deposit', '--reason', 'x'], /--amount: a deposit comes in, so it is positive/],
      [['--amount', '-8000', '--kind', 'withdrawal'], /--reason is required/],
      [['--amount', '1e3', '--kind', 'deposit', '--reason', 'x'], /--amount: expected a number with at most 2 decimals/],
      [['--amount', '-10', '--kind', 'fee', '--reason', 'x', '--at', '2026-11-24T00:00:00Z'], /--at: .* is in the future/],
    ] as const) {
      const r = await runCli(['cashflow', ...args, '--now', LATER], { cwd: ws.root, env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });
});
