/**
 * Push notifications besides email (a webhook, ntfy): the same events as the alert and warning emails, through
 * the same throttle, as a short message a phone shows.
 */

/** What went wrong, as a push tells it. */
export interface PushMessage {
  account: string;
  runId: string;
  /** FAILED, BLOCKED (a circuit breaker or the kill switch), or WARNING (the run finished; something needs a look). */
  outcome: 'FAILED' | 'BLOCKED' | 'WARNING';
  exitCode: number;
  /** ACTIVE | REDUCING | HALTED */
  tradingState: string;
  breaches: readonly { code: string; symbol?: string; detail: string }[];
  error?: string;
  /** ISO 8601 instant of the run. */
  at: string;
  /** One line: account and outcome. */
  title: string;
  /** A few short lines: account, outcome, the first breach or the error, what to do. */
  text: string;
}

export type PushOutcome = { ok: true } | { ok: false; reason: string };

/** One push service. `send` never rejects, never retries, and never quotes its URL or token in a reason. */
export interface Push {
  /** How the console and the log name it: `webhook`, `ntfy`. */
  readonly name: string;
  send(message: PushMessage): Promise<PushOutcome>;
}
