/** The push of an alert or a warning: pure, from the run's outcome to a title and a few short lines. */
import type { Breach } from '../core/types.js';
import type { PushMessage } from '../ports/push.js';

export interface PushInput {
  account: string;
  runId: string;
  outcome: PushMessage['outcome'];
  /** ISO 8601 instant of the run. */
  now: string;
  tradingState: string;
  breaches: readonly Breach[];
  error?: string;
  exitCode: number;
  /** What a warning tells of earlier runs (a killed run, a recovered order): told when there is no breach. */
  notes?: readonly string[];
}

/** Longest line of detail: a phone's notification shows a few lines, the email has the rest. */
const MAX_LINE = 300;

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 3)}...` : line;
}

/** The first thing that went wrong: a failure's error, else the first breach (with how many more). */
function firstProblem(p: PushInput): string | undefined {
  const breach = p.breaches[0];
  const more = p.breaches.length > 1 ? ` (+${p.breaches.length - 1} more)` : '';
  const breachText = breach ? `${breach.code}${breach.symbol ? ` ${breach.symbol}` : ''}: ${breach.detail}` : undefined;
  const errorText = p.error !== undefined && p.error.trim() !== '' ? p.error : undefined;
  const first = (p.outcome === 'FAILED' ? (errorText ?? breachText) : (breachText ?? errorText)) ?? p.notes?.[0];
  return first === undefined ? undefined : `${oneLine(first)}${first === breachText ? more : ''}`;
}

function whatToDo(p: PushInput): string {
  if (p.breaches.some((b) => b.code === 'KILL_SWITCH' || b.code === 'DAILY_LOSS_LIMIT')) {
    return 'The kill switch is on: no run trades until you run `rebalancer resume`. Look first: `rebalancer status`.';
  }
  if (p.outcome === 'WARNING') return 'The run finished. See the warning email or `rebalancer status`.';
  if (p.outcome === 'FAILED') return 'The next run tries again. See the alert email or `rebalancer status`.';
  return 'The next run checks again. See the alert email and `rebalancer plan`; `rebalancer halt` stops all trading.';
}

export function renderPush(p: PushInput): PushMessage {
  const state = p.tradingState === 'ACTIVE' ? '' : `, ${p.tradingState}`;
  const first = firstProblem(p);
  const text = [
    `${p.account} ${p.outcome} (exit ${p.exitCode}${state})`,
    first ?? 'no details recorded',
    whatToDo(p),
    `run ${p.runId} at ${p.now}`,
  ].join('\n');
  return {
    account: p.account,
    runId: p.runId,
    outcome: p.outcome,
    exitCode: p.exitCode,
    tradingState: p.tradingState,
    breaches: p.breaches.map((b) => ({ code: b.code, ...(b.symbol === undefined ? {} : { symbol: b.symbol }), detail: b.detail })),
    ...(p.error === undefined ? {} : { error: p.error }),
    at: p.now,
    title: `rebalancer ${p.account} ${p.outcome}${p.breaches[0] ? ` ${p.breaches[0].code}` : ''}`,
    text,
  };
}
