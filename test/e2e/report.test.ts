/**
 * `rebalancer report` on the built command, over records of real sim runs on Thursday 19 and Friday 20 November 2026,
 * asked on the Monday after (no runs that day yet): without --day it reports the latest trading day with records and says so;
 * start and mid are as of the run their scheduled email came from; the header names the account id; --html writes
 * one file that Chromium shows whole without a single request; with no records at or before --now, exit 2.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, writeForecast, type CliResult } from '../support/cli.js';

/** Debian's chromium (apt-get install chromium): the browser the rendering tests open files in. */
const CHROMIUM = '/usr/bin/chromium';

// Thursday 19 November 2026 (New York): 09:35 and 16:05 (after the close: the end of day writes the daily row). Friday 20:
// 09:35, 13:35 (past the session's midpoint, 12:45) and 16:05.
const RUNS = ['2026-11-19T14:35:00Z', '2026-11-19T21:05:00Z', '2026-11-20T14:35:00Z', '2026-11-20T18:35:00Z', '2026-11-20T21:05:00Z'];
// Monday 23 November 2026, 10:00 New York: no run yet that day.
const MONDAY = '2026-11-23T15:00:00Z';

let ws: ReturnType<typeof makeWorkspace>;
let env: Record<string, string>;
let browser: Browser | undefined;

const report = (args: string[], now = MONDAY): Promise<CliResult> =>
  runCli(['report', ...args, '--now', now], { cwd: ws.root, env, timeoutMs: 30_000 });

beforeAll(async () => {
  ws = makeWorkspace('rebalancer-report-');
  writeFileSync(join(ws.root, '.env'), '# e2e home: the settings are in the environment\n', { mode: 0o600 });
  env = { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs };
  for (const [i, now] of RUNS.entries()) {
    writeForecast(ws.forecasts, 'trend.json', {
      strategy: 'trend',
      asOf: now,
      leverage: 1,
      capital: 1,
      weights: i < 3 ? { SPY: 0.35, TLT: 0.3, GLD: 0.2 } : { SPY: 0.3, TLT: 0.35, GLD: 0.2 },
    });
    const run = await runCli(['run', '--now', now], { cwd: ws.root, env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
  }
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

describe('rebalancer report', () => {
  it('without --day reports the latest trading day with records, says which, and names the account id', async () => {
    const r = await report(['--kind', 'end']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('day 2026-11-20: the latest trading day with runs at or before Mon Nov 23 10:00 ET');
    expect(r.stdout).toMatch(/^Subject: \[rebalancer\] DU0000001 end of day 2026-11-20: NLV /m);
    expect(r.stdout).toContain('DU0000001 - End of day - Fri Nov 20, 2026');
    expect(r.stdout).not.toContain('sim account');
    expect(r.stdout).toContain("THE DAY (the daily table's row)");
    expect(r.stdout).toContain('3 runs today: 2 ok, 1 outside trading hours');
    expect(r.stdout).toContain('since the close of Thu Nov 19');
  });

  it('start and mid-day are as of the run their scheduled email came from, each with its own content', async () => {
    const start = await report(['--kind', 'start']);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toContain('as of the run of 09:35 ET, the first at or after the open, as the start-of-day email');
    expect(start.stdout).toMatch(/1 run today: 1 ok/);
    expect(start.stdout).toContain('POSITIONS (weight / target, drift)');
    expect(start.stdout).toMatch(/ORDERS SO FAR \(1\)\n {2}09:35 SELL 1 SPY/);
    expect(start.stdout).not.toContain('THE DAY');

    const mid = await report(['--kind', 'mid', '--day', '2026-11-20']);
    expect(mid.code, mid.stderr).toBe(0);
    expect(mid.stdout).not.toContain('the latest trading day');
    expect(mid.stdout).toContain('as of the run of 13:35 ET, the first at or after the midpoint, as the mid-day email');
    expect(mid.stdout).toMatch(/2 runs today: 2 ok/);
    expect(mid.stdout).toContain('since the open');
    expect(mid.stdout).not.toContain('POSITIONS');
  });

  it('--html writes one file that Chromium shows whole: every chart loaded from the file itself, no request leaves the page', async () => {
    for (const [kind, charts] of [
      ['end', 2], // the day's NLV and the last trading days' closes (Thursday's daily row, Friday)
      ['mid', 1],
    ] as const) {
      const file = join(ws.root, `report-${kind}.html`);
      const r = await report(['--kind', kind, '--html', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`HTML written to ${file} (one file, the charts embedded, every row of every table)`);
      expect(r.stdout).toMatch(/The email attaches (positions\.csv, )?orders\.csv, fills\.csv(, breaches\.csv)?: every row\./);
      const html = readFileSync(file, 'utf8');
      expect(html).not.toContain('cid:');
      expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(charts);
      expect(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium`).toBe(true);
      browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
      const requests: string[] = [];
      page.on('request', (req) => requests.push(req.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load' });
      const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({ complete: i.complete, width: i.naturalWidth })));
      expect(images).toHaveLength(charts);
      for (const image of images) expect(image).toMatchObject({ complete: true, width: expect.any(Number) as number });
      expect(images.every((i) => i.width > 0)).toBe(true);
      expect(requests.filter((u) => u !== url && !u.startsWith('data:'))).toEqual([]);
      expect(await page.textContent('body')).toContain('DU0000001');
      await page.close();
    }
  });

  it('with no runs at or before --now, or none on the --day asked: exit 2, saying so, nothing written', async () => {
    const before = await report(['--kind', 'end', '--html', join(ws.root, 'none.html')], '2026-11-19T14:00:00Z');
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(
      /^no runs recorded at or before Thu Nov 19 09:00 ET \(2026-11-19T14:00:00(\.000)?Z\) in .*rebalancer\.sqlite/,
    );
    expect(before.stderr).toContain('nothing to report');
    expect(before.stdout).toBe('');
    expect(existsSync(join(ws.root, 'none.html'))).toBe(false);

    const other = await report(['--kind', 'end', '--day', '2026-11-18']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(
      '--day 2026-11-18: no runs recorded on that day at or before Mon Nov 23 10:00 ET: nothing to report (the latest trading day with runs is 2026-11-20)',
    );
  });
});
