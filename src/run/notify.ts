import type { Logger } from 'pino';
import { ExitCode } from '../errors.js';
import type { Mailer } from '../ports/mailer.js';
import type { ReportStore, RunStore } from '../ports/store.js';
import type { Heartbeat } from '../ports/heartbeat.js';
import type { Push, PushMessage } from '../ports/push.js';
import { renderPush } from './push-message.js';
import { renderAlert } from '../report/render-alert.js';
import { alertKeyOf, withNote } from '../report/alert-throttle.js';
import { sendThrottledAlert } from '../report/send-alert.js';
import { sendDailyReport } from '../report/send-daily-report.js';
import { dueDailyEmails, type DailyEmailKind } from '../core/daily-emails.js';
import { findMissedRuns, type MissedRuns } from '../core/missed-runs.js';
import { previousTradingDay } from '../core/calendar.js';
import { describeInstant } from './console-report.js';
import type { SessionRules } from '../core/session.js';
import type { NotifySettings, RunResult } from './run-types.js';
import { renderWarning } from '../report/render-warning.js';
import { isSymbolScoped } from '../core/trading-state.js';

const EMAIL_LABEL: Record<DailyEmailKind, string> = { start: 'start-of-day', mid: 'mid-day', end: 'end-of-day' };

export type { NotifySettings };

export interface NotifyDeps {
  mailer: Mailer;
  store: RunStore;
  reports: ReportStore;
  heartbeat?: Heartbeat;
  /** Push services (webhook, ntfy): each alert or warning email that goes out is pushed too; a suppressed one is not. */
  push?: readonly Push[];
  logger: Logger;
  out: (...lines: string[]) => void;
}

/**
 * Everything a run tells people once its outcome is decided: an alert at once for a failed or blocked run
 * (throttled: identical alerts are not repeated within the interval), a warning for a run that finished but
 * blocked a ticker (POSITION_BREAK) or found something of earlier runs (a killed run, an order recovered from a
 * crash), the daily emails that are due, a note when hourly runs were missed, and the heartbeat. Nothing here may change the run's outcome: every
 * failure is logged and printed, never thrown.
 */
export async function notifyAfterRun(
  deps: NotifyDeps,
  settings: NotifySettings,
  run: { runId: string; now: string; tradingDay: string; previousRunAt?: string; nextRun?: string; rules: SessionRules; dryRun?: boolean },
  result: RunResult,
): Promise<void> {
  const missed = findMissedRuns(run.previousRunAt, run.now, run.rules);
  const missedNote = missed ? describeMissed(missed) : undefined;
  if (missedNote) deps.out(`warning: ${missedNote}`);
  let emailed = false;
  await guarded(deps, 'alert email', async () => {
    // Breaches found outside the session (a stale forecast before the open, a daily loss that just turned the
    // kill switch on after the close) are alerted too: the run exits 0, but a person has something to fix.
    const closedWithBreaches = result.status === 'skipped' && result.breaches.length > 0;
    if (result.status === 'failed' || result.status === 'blocked' || closedWithBreaches) {
      emailed = await sendAlert(deps, settings, run, result, missedNote);
    } else if (result.notices.length > 0 || result.breaches.some(isSymbolScoped)) {
      emailed = await sendWarning(deps, settings, run, result);
    }
  });
  await guarded(deps, 'daily emails', async () => {
    // A run refused because the records belong to another account (exit 2) must not summarise those records
    // under this account's name.
    if (result.exitCode === ExitCode.usage) return;
    // A dry run changes nothing, so it summarises nothing: the day's start, mid-day and end emails stay due for the
    // real runs (a trial at 12:45 must not use up the mid-day email).
    if (run.dryRun === true) return;
    const account = result.account ?? settings.expectedAccount;
    if (account === undefined) return;
    const due = dueDailyEmails(
      run.now,
      (day) => deps.reports.dailyEmailKindsOn(day) as DailyEmailKind[],
      (day) => deps.reports.hasRunOn(day),
      run.rules,
    );
    const previousDay = (day: string): string => previousTradingDay(day, run.rules);
    for (const email of due) {
      const sent = await sendDailyReport(
        { reports: deps.reports, mailer: deps.mailer, emails: deps.store, runId: run.runId, note: missedNote },
        { kind: email.kind, tradingDay: email.tradingDay, now: run.now, account, nextRun: run.nextRun, previousTradingDay: previousDay },
      );
      deps.out(`${EMAIL_LABEL[email.kind]} email ${describeOutcome(sent.outcome)}: ${sent.message.subject}`);
      emailed = true;
    }
  });
  await guarded(deps, 'missed-run email', async () => {
    if (!missedNote || emailed) return;
    const message = withNote(
      renderAlert({ ...alertInput(settings, run, result), outcome: 'FAILED', error: `hourly runs were missed: ${missedNote}` }),
      missedNote,
    );
    const sent = await sendThrottledAlert(
      { mailer: deps.mailer, history: deps.reports, emails: deps.store },
      { ...message, subject: message.subject.replace(' FAILED: ', ' WARNING: ') },
      { key: 'MISSED_RUNS', now: run.now, tradingDay: run.tradingDay, intervalMinutes: settings.alertRepeatMinutes, runId: run.runId },
    );
    deps.out(`missed-run email ${sent.outcome ? describeOutcome(sent.outcome) : 'suppressed (sent recently)'}`);
    if (sent.outcome !== undefined) {
      await pushAll(
        deps,
        renderPush({
          ...alertInput(settings, run, result),
          outcome: 'WARNING',
          breaches: [],
          error: `hourly runs were missed: ${missedNote}`,
        }),
      );
    }
  });
  await guarded(deps, 'outbox', async () => {
    // An alert queued while the mail server was down goes out with the next run, not hours later.
    const flushed = await deps.mailer.flushOutbox?.();
    if (flushed && flushed.sent > 0) deps.out(`${flushed.sent} queued email(s) sent from the outbox`);
  });
  if (deps.heartbeat) {
    const beat = await deps.heartbeat.ping(result.exitCode);
    if (!beat.ok) deps.logger.warn({ reason: beat.reason }, 'heartbeat failed');
    deps.out(beat.ok ? 'heartbeat sent' : `heartbeat failed: ${beat.reason}`);
  }
}

async function sendAlert(
  deps: NotifyDeps,
  settings: NotifySettings,
  run: { runId: string; now: string; tradingDay: string },
  result: RunResult,
  note?: string,
): Promise<boolean> {
  const outcome = result.status === 'failed' ? 'FAILED' : 'BLOCKED';
  const rendered = renderAlert({ ...alertInput(settings, run, result), outcome });
  // A broker failure just after (or before) IB Gateway's daily restart: most likely the restart itself.
  const restarted =
    result.status === 'failed' && result.breaches.some((b) => b.code === 'BROKER_ERROR') ? settings.nearGatewayRestart : undefined;
  const notes = [...result.notices, ...(note ? [note] : []), ...(restarted ? [restarted] : [])];
  const message = notes.reduceRight((m, n) => withNote(m, n), rendered);
  const sent = await sendThrottledAlert({ mailer: deps.mailer, history: deps.reports, emails: deps.store }, message, {
    // An alert that tells of orders sent, or of what earlier runs left, is about this run alone: never suppressed.
    // The failure's cause is part of the key: a new cause is a new alert, even with the same breaches.
    key: `${alertKeyOf(outcome, result.breaches, result.error)}${result.notices.length > 0 || result.sent.length > 0 ? `|RUN:${run.runId}` : ''}`,
    now: run.now,
    tradingDay: run.tradingDay,
    intervalMinutes: settings.alertRepeatMinutes,
    runId: run.runId,
  });
  deps.out(
    `alert email ${sent.outcome ? describeOutcome(sent.outcome) : `suppressed: ${sent.decision.send ? '' : sent.decision.reason}`}: ${sent.message.subject}`,
  );
  // Pushed when the email went out (sent or queued), through the same throttle: a suppressed alert is not pushed.
  if (sent.outcome !== undefined) await pushAll(deps, renderPush({ ...alertInput(settings, run, result), outcome }));
  return sent.outcome !== undefined;
}

/**
 * The warning of a run that finished but blocked tickers or found something of earlier runs. Blocks repeat every
 * hour until a person acts, so they are throttled like alerts; notices about earlier runs happen once, so their
 * key names this run and they always go out.
 */
async function sendWarning(
  deps: NotifyDeps,
  settings: NotifySettings,
  run: { runId: string; now: string; tradingDay: string },
  result: RunResult,
): Promise<boolean> {
  const breaches = result.breaches.filter(isSymbolScoped);
  const message = renderWarning({
    account: result.account ?? settings.expectedAccount ?? 'unknown account',
    runId: run.runId,
    now: run.now,
    status: result.status,
    exitCode: result.exitCode,
    breaches,
    notices: result.notices,
    files: result.files,
    ...(result.plan?.tradingState === undefined ? {} : { tradingState: result.plan.tradingState }),
  });
  const key = `${alertKeyOf('WARNING', breaches)}${result.notices.length > 0 ? `|NOTICES:${run.runId}` : ''}`;
  const sent = await sendThrottledAlert({ mailer: deps.mailer, history: deps.reports, emails: deps.store }, message, {
    key,
    now: run.now,
    tradingDay: run.tradingDay,
    intervalMinutes: settings.alertRepeatMinutes,
    runId: run.runId,
  });
  deps.out(
    `warning email ${sent.outcome ? describeOutcome(sent.outcome) : `suppressed: ${sent.decision.send ? '' : sent.decision.reason}`}: ${sent.message.subject}`,
  );
  if (sent.outcome !== undefined) {
    await pushAll(
      deps,
      renderPush({
        account: result.account ?? settings.expectedAccount ?? 'unknown account',
        runId: run.runId,
        outcome: 'WARNING',
        now: run.now,
        tradingState: result.plan?.tradingState ?? 'ACTIVE',
        breaches,
        error: result.error,
        notes: result.notices,
        exitCode: result.exitCode,
      }),
    );
  }
  return sent.outcome !== undefined;
}

function alertInput(
  settings: NotifySettings,
  run: { runId: string; now: string },
  result: RunResult,
): Omit<Parameters<typeof renderAlert>[0], 'outcome'> {
  return {
    account: result.account ?? settings.expectedAccount ?? 'unknown account',
    runId: run.runId,
    now: run.now,
    tradingState: result.plan?.tradingState ?? 'HALTED',
    breaches: result.breaches,
    error: result.error,
    files: result.files,
    exitCode: result.exitCode,
    ...(result.forecastChanges === undefined ? {} : { forecastChanges: result.forecastChanges }),
    sentOrders: [
      ...result.sent.map((o) => ({
        symbol: o.symbol,
        action: o.action,
        quantity: o.quantity,
        limitPrice: o.limitPrice,
        orderRef: o.orderRef,
      })),
      // A change in place is an order the broker works on the run's terms: listed with its new total and limit.
      ...(result.modified ?? []).map((o) => ({
        symbol: o.symbol,
        action: o.action,
        quantity: o.quantity,
        limitPrice: o.limitPrice,
        orderRef: `${o.orderRef} (changed in place: total ${o.quantity}, ${o.filledQuantity} filled)`,
      })),
    ],
  };
}

/**
 * The message to every push service at once (each bounded by its own deadline), one line each on the console. A
 * push that fails is logged and printed, never thrown: like an email, it never changes the run's outcome.
 */
export async function pushAll(deps: Pick<NotifyDeps, 'push' | 'logger' | 'out'>, message: PushMessage): Promise<void> {
  const pushes = deps.push ?? [];
  const outcomes = await Promise.all(
    pushes.map(async (push) => {
      try {
        return await push.send(message);
      } catch (error) {
        return { ok: false as const, reason: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  pushes.forEach((push, i) => {
    const pushed = outcomes[i];
    if (pushed === undefined) return;
    if (!pushed.ok) deps.logger.warn({ push: push.name, reason: pushed.reason }, `push ${push.name} failed`);
    deps.out(pushed.ok ? `push ${push.name} sent` : `push ${push.name} failed: ${pushed.reason}`);
  });
}

function describeMissed(m: MissedRuns): string {
  return `no run between ${describeInstant(m.since)} and ${describeInstant(m.until)}: ${m.sessionMinutes} minutes of session, about ${m.expectedRuns} hourly run(s) missed (machine asleep, cron not running, or the lock held)`;
}

function describeOutcome(outcome: { status: 'sent' } | { status: 'queued'; file: string; reason: string }): string {
  return outcome.status === 'sent' ? 'sent' : `queued in ${outcome.file} (${outcome.reason})`;
}

async function guarded(deps: NotifyDeps, what: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    // An email failure never changes what the run did; it is reported where a person looks.
    deps.logger.error({ err: error }, `${what} failed`);
    deps.out(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
