/**
 * Fault matrix, the clock and the mail server: runs started on a holiday, after an early close or at a
 * daylight-saving boundary (from a machine in another time zone) send nothing outside the session; a mail server
 * that is down never stops trading, and its alerts wait in the outbox.
 */
import { describe, expect, it } from 'vitest';
import { writeForecast } from '../support/cli.js';
import { startSmtpSink } from '../email/smtp-sink.js';
import {
  FaultGateway,
  baseScenario,
  expectNoOrderRefTwiceAt,
  expectNoOrderSentTwice,
  freePort,
  outbox,
  plus,
  records,
  runJob,
  simAccount,
  subjectOf,
  transcript,
  trendForecast,
  useFaultKit,
  workspace,
  writeScenario,
  type Workspace,
} from './support/kit.js';

useFaultKit();

/** Writes a fresh forecast (as of an hour before) and runs the job at `now` from a machine in `tz`. */
async function runAt(ws: Workspace, now: string, env: Record<string, string>, tz: string): ReturnType<typeof runJob> {
  writeForecast(ws.forecasts, 'trend.json', trendForecast(plus(now, -60)));
  return runJob(ws, now, { ...env, TZ: tz });
}

describe('fault matrix: clock and mail', () => {
  it('clock on a holiday and after an early close (machine in Tokyo): no order outside the session, a snapshot, exit 0, and the next open named', async () => {
    // Fault: cron fires on Thanksgiving, and after the 13:00 close the day after, on a machine whose own clock says
    // it is already the next day. Expected: the exchange's calendar decides: market closed, no order, snapshot
    // only (status skipped), the next open named. A run inside the shortened session trades.
    // Not lost: the snapshots of the closed runs.
    const ws = workspace(null);
    const thanksgiving = '2026-11-26T15:35:00Z';
    const gw = await FaultGateway.start(ws, baseScenario(), thanksgiving);
    const holiday = await runAt(ws, thanksgiving, gw.env, 'Asia/Tokyo');
    expect(holiday.code, transcript(holiday)).toBe(0);
    expect(holiday.stdout).toMatch(/no orders sent/);
    expect(holiday.stdout).toMatch(/Fri 2026-11-27 09:30 New York/);
    expect(gw.placed()).toEqual([]);

    const afterEarlyClose = '2026-11-27T18:35:00Z'; // 13:35 in New York; the session closed at 13:00
    gw.now = afterEarlyClose;
    const late = await runAt(ws, afterEarlyClose, gw.env, 'Asia/Tokyo');
    expect(late.code, transcript(late)).toBe(0);
    expect(late.stdout).toMatch(/Mon 2026-11-30 09:30 New York/);
    expect(gw.placed()).toEqual([]);
    expect(records(ws).runs.map((r) => r.status)).toEqual(['skipped', 'skipped']);
    expect(records(ws).snapshots).toHaveLength(2);

    const monday = '2026-11-30T15:35:00Z';
    gw.now = monday;
    const open = await runAt(ws, monday, gw.env, 'Asia/Tokyo');
    expect(open.code, transcript(open)).toBe(0);
    expect(gw.placed()).toHaveLength(3);
    expectNoOrderSentTwice(gw.placed());
  });

  it('clock at a daylight-saving boundary (machine in Los Angeles): 09:25 New York on the Monday after each change is closed, 15:35 is open', async () => {
    // Fault: the clocks change (8 March and 1 November 2026); a UTC or Pacific cron line now fires an hour off.
    // Expected: the run judges the session in New York time: 13:25Z on 9 March (09:25 EDT) and 14:25Z on
    // 2 November (09:25 EST) are before the open: no order; 20:35Z on 2 November (15:35 EST, which would be
    // 16:35 had the offset not changed) is in the session: orders go out. Not lost: the closed runs' snapshots.
    const ws = workspace(null);
    writeScenario(ws, baseScenario());
    const march = await runAt(ws, '2026-03-09T13:25:00Z', ws.env, 'America/Los_Angeles');
    expect(march.code, transcript(march)).toBe(0);
    expect(march.stdout).toMatch(/Mon 2026-03-09 09:30 New York, 2026-03-09T13:30/);
    const november = await runAt(ws, '2026-11-02T14:25:00Z', ws.env, 'America/Los_Angeles');
    expect(november.code, transcript(november)).toBe(0);
    expect(november.stdout).toMatch(/Mon 2026-11-02 09:30 New York, 2026-11-02T14:30/);
    expect(simAccount(ws)?.orders ?? []).toEqual([]);
    expect(records(ws).runs.map((r) => r.status)).toEqual(['skipped', 'skipped']);

    const afternoon = await runAt(ws, '2026-11-02T20:35:00Z', ws.env, 'America/Los_Angeles');
    expect(afternoon.code, transcript(afternoon)).toBe(0);
    expect(simAccount(ws)?.orders.map((o) => o.symbol)).toEqual(['AAPL', 'MSFT', 'SPY']);
    expectNoOrderRefTwiceAt(simAccount(ws));
  });

  it('SMTP down: trading proceeds, the alert waits in the outbox, and goes out (oldest first) with the next email once the server is back', async () => {
    // Fault: the mail server refuses connections during a run that must alert (IB rejects MSFT with 201).
    // Expected: the other orders still go out; the alert is queued in the outbox with the reason; a later run
    // whose email is due (mid-day) sends the queued alert first, then its own. Not lost: the queued alert.
    const ws = workspace();
    const port = await freePort();
    const mail = { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_TO: 'trader@example.com' };
    const scenario = baseScenario();
    const gw = await FaultGateway.start(ws, { ...scenario, gateway: { faults: { rejectOrders: { MSFT: { code: 201 } } } } });
    const down = await runJob(ws, '2026-11-23T15:35:00Z', { ...gw.env, ...mail });
    expect(down.code, transcript(down)).toBe(1);
    expect(
      gw.placed().map((o) => o.symbol),
      'trading proceeded',
    ).toEqual(['AAPL', 'MSFT', 'SPY']);
    expect(down.stdout).toMatch(/alert email queued in .*outbox.*\(SMTP send failed \(ESOCKET\): connect ECONNREFUSED/);
    const queued = outbox(ws).subjects;
    expect(queued.filter((s) => / FAILED: the broker rejected one or more orders/.test(s))).toHaveLength(1);

    const sink = await startSmtpSink({ port });
    try {
      await gw.restart(scenario);
      const midday = '2026-11-23T18:05:00Z'; // 13:05 New York: past the session's midpoint, the mid-day email is due
      gw.now = midday;
      const back = await runJob(ws, midday, { ...gw.env, ...mail });
      expect(back.code, transcript(back)).toBe(0);
      const subjects = sink.received.map((m) => subjectOf(m.raw));
      expect(subjects[0]).toMatch(/ FAILED: the broker rejected one or more orders/);
      expect(subjects.some((s) => /mid-day/i.test(s))).toBe(true);
      expect(outbox(ws).subjects, 'the outbox is empty once sent').toEqual([]);
      expect(gw.placed().filter((o) => o.symbol === 'MSFT')).toHaveLength(2);
      expectNoOrderSentTwice(gw.placed());
    } finally {
      await sink.close();
    }
  });
});
