/**
 * Sends an alert through the throttle: look up the recent history of alerts, send or suppress, and
 * record either way (a suppressed alert is recorded too: it is what the next one's summary counts).
 */
import type { Mailer, MailMessage, MailOutcome } from '../ports/mailer.js';
import type { ReportStore, RunStore } from '../ports/store.js';
import { decideAlert, SUPPRESSED, withRepeatsSummary, type AlertDecision } from './alert-throttle.js';

export interface SendAlertDeps {
  mailer: Mailer;
  history: Pick<ReportStore, 'alertHistory'>;
  emails: Pick<RunStore, 'recordEmail'>;
}

export interface SendAlertOptions {
  /** From alertKeyOf(outcome, breaches). */
  key: string;
  now: string;
  tradingDay: string;
  intervalMinutes: number;
  runId?: string;
}

/** How far back the history is read: the throttle only needs the last alert sent, but repeats may span a weekend. */
const HISTORY_DAYS = 7;

/** Sends the alert unless an identical one went out within the interval; returns what happened. */
export async function sendThrottledAlert(
  deps: SendAlertDeps,
  message: MailMessage,
  o: SendAlertOptions,
): Promise<{ decision: AlertDecision; outcome?: MailOutcome; message: MailMessage }> {
  const since = new Date(Date.parse(o.now) - HISTORY_DAYS * 86_400_000).toISOString();
  const decision = decideOrSend(() => decideAlert(deps.history.alertHistory(since), o.key, o.now, o.intervalMinutes));
  const record = (subject: string, status: string): void => {
    try {
      deps.emails.recordEmail({
        kind: 'alert',
        tradingDay: o.tradingDay,
        subject,
        status,
        at: o.now,
        alertKey: o.key,
        ...(o.runId === undefined ? {} : { runId: o.runId }),
      });
    } catch {
      // The records are failing (the alert is likely about that): the alert itself matters more than its record.
    }
  };
  if (!decision.send) {
    record(message.subject, SUPPRESSED);
    return { decision, message };
  }
  const final = decision.repeatsSince === undefined ? message : withRepeatsSummary(message, decision.repeatsSince, o.now);
  const outcome = await deps.mailer.send(final);
  record(final.subject, outcome.status);
  return { decision, outcome, message: final };
}

/**
 * The throttle's decision, or "send" when the history cannot be read (the database failing mid-run): an alert
 * that might repeat is better than a failure nobody hears of.
 */
function decideOrSend(decide: () => AlertDecision): AlertDecision {
  try {
    return decide();
  } catch {
    return { send: true };
  }
}
