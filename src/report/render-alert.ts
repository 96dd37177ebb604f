/**
 * The alert email of a failed or blocked run: pure, from the run's outcome to a subject, text and HTML. The HTML is in
 * the shared email design (email-style.ts): the outcome and the trading state as a banner, each breach in its own
 * block, times in New York time; the text part says the same in plain lines, backticks and all.
 */
import type { Breach } from '../core/types.js';
import type { MailMessage } from '../ports/mailer.js';
import { escapeHtml } from './escape-html.js';
import { missingStrategyOf, retireCommandFor } from '../core/strategies.js';
import {
  banner,
  block,
  code,
  emailDocument,
  exchangeTimeHtml,
  exchangeTimeText,
  footer,
  heading,
  inlineCode,
  keyValues,
  list,
  muted,
  preformatted,
  section,
  type Tone,
} from './email-style.js';

const e = escapeHtml;

export { escapeHtml };

export interface AlertInput {
  account: string;
  runId: string;
  outcome: 'FAILED' | 'BLOCKED';
  /** ISO 8601 instant of the run. */
  now: string;
  /** ACTIVE | REDUCING | HALTED */
  tradingState: string;
  breaches: readonly Breach[];
  error?: string;
  files: readonly { label: string; path: string }[];
  exitCode: number;
  /** Orders the broker accepted before the run stopped (a failure or a halt mid-submission). */
  sentOrders?: readonly { symbol: string; action: string; quantity: number; limitPrice: number; orderRef: string }[];
  /** What changed in the forecasts since the last run (RunResult.forecastChanges), when the run got that far. */
  forecastChanges?: readonly string[];
}

const EXIT_MEANINGS: Record<number, string> = {
  0: 'done',
  1: 'failed: see Orders for what was sent',
  2: 'bad configuration or usage',
  3: 'blocked by a circuit breaker or the kill switch',
  4: 'another run holds the lock',
};

/** One line, for a header: newlines and runs of white space become one space. */
function oneLine(text: string, max = 120): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
}

function headline(a: AlertInput): string {
  const breach = a.breaches[0];
  const breachText = breach ? `${breach.code}${a.breaches.length > 1 ? ` (+${a.breaches.length - 1} more)` : ''}` : undefined;
  const errorText = a.error !== undefined && a.error.trim() !== '' ? firstLine(a.error) : undefined;
  const first = a.outcome === 'FAILED' ? (errorText ?? breachText) : (breachText ?? errorText);
  return first ?? 'no details recorded';
}

function ordersSentence(a: AlertInput): string {
  const sent = a.sentOrders ?? [];
  if (sent.length > 0) {
    const list = sent.map((o) => `${o.action} ${o.quantity} ${o.symbol} @ ${o.limitPrice} (${o.orderRef})`).join('; ');
    return `${sent.length} order(s) reached the broker before the run stopped: ${list}; nothing after them was sent`;
  }
  if (a.outcome !== 'FAILED' && a.tradingState === 'REDUCING') return 'only exposure-reducing orders were sent';
  return 'no orders were sent';
}

function killSwitchOn(a: AlertInput): boolean {
  return a.breaches.some((b) => b.code === 'KILL_SWITCH' || b.code === 'DAILY_LOSS_LIMIT');
}

function advice(a: AlertInput): string[] {
  const lines: string[] = [];
  if (a.breaches.some((b) => b.code === 'FOREIGN_ORDERS')) {
    lines.push(
      "FOREIGN_ORDERS: orders or fills at the broker carry this system's orderRef (rebal:<run id>:<ticker>) but a run id these records never made. They were not cancelled and are not counted in the ledger. Check: is another installation (another data directory or machine) trading this account? Was this database restored from an old copy, or its WAL lost?",
      'The run turned the kill switch on (not in a dry run). To clear it: stop the other installation or cancel those orders in TWS, put the records right (`rebalancer reconcile --accept TICKER` for positions they moved), then `rebalancer resume`. A run that still finds such an open order, or such a fill among the executions it reads, halts again.',
    );
  }
  if (killSwitchOn(a)) {
    lines.push("The kill switch is on: every run cancels this system's orders and places none until a person runs `rebalancer resume`.");
  } else {
    lines.push('The next scheduled run checks everything again and trades if nothing blocks it.');
  }
  lines.push(...missingStrategyAdvice(a));
  lines.push(
    'To stop all trading until you have looked: `rebalancer halt --reason "why"` (runs then cancel this system\'s open orders and place none).',
  );
  lines.push('To let runs trade again after a halt: `rebalancer resume`.');
  lines.push('To see the plan and the account: `rebalancer plan` and `rebalancer status`.');
  return lines;
}

/** Per missing strategy: it blocks every run until its file is back or a person retires it; how to do either. */
function missingStrategyAdvice(a: AlertInput): string[] {
  return a.breaches.flatMap((b) => {
    const missing = missingStrategyOf(b);
    if (missing === undefined) return [];
    const { name, file } = missing;
    return [
      `Strategy ${name} traded before and has no forecast file now: every run stays blocked (its positions are neither sold nor bought) until one of these.`,
      `If the file was lost (a failed deploy, a full disk, a rename): restore ${file} (or any *.json in the forecast directory with "strategy": "${name}"); the next run trades again.`,
      `If ${name} was stopped on purpose: \`${retireCommandFor(name)}\` (or write its file with every weight 0); the next run sells its tickers to zero unless another forecast wants them.`,
    ];
  });
}

function exitText(code: number): string {
  const meaning = EXIT_MEANINGS[code];
  return meaning === undefined ? String(code) : `${code} (${meaning})`;
}

export function renderAlert(a: AlertInput): MailMessage {
  const subject = `[rebalancer] ${oneLine(a.account, 40)} ${a.outcome}: ${oneLine(headline(a))} - run ${oneLine(a.runId, 60)}`;
  const summary: [string, string][] = [
    ['Account', a.account],
    ['Run', a.runId],
    ['Outcome', a.outcome],
    ['Time', exchangeTimeText(a.now)],
    ['Trading state', a.tradingState],
    ['Orders', ordersSentence(a)],
    ['Exit code', exitText(a.exitCode)],
  ];
  return { subject, text: renderText(a, summary), html: renderHtml(a, subject, summary) };
}

function renderText(a: AlertInput, summary: [string, string][]): string {
  const out: string[] = [];
  out.push(
    `The rebalancer run ${a.runId} for account ${a.account} ${a.outcome === 'FAILED' ? 'FAILED' : 'was BLOCKED'}: ${ordersSentence(a)}.`,
    '',
  );
  for (const [label, value] of summary) out.push(`${`${label}:`.padEnd(15)}${value}`);
  out.push('', `Breaches (${a.breaches.length}):`);
  if (a.breaches.length === 0) out.push('  none');
  for (const b of a.breaches) out.push(`  - ${b.code}${b.symbol ? ` ${b.symbol}` : ''}: ${b.detail}`);
  if (a.error !== undefined && a.error.trim() !== '') {
    out.push(
      '',
      'Error:',
      ...a.error
        .trimEnd()
        .split(/\r?\n/)
        .map((l) => `  ${l}`),
    );
  }
  if (a.forecastChanges !== undefined && a.forecastChanges.length > 0) {
    out.push('', 'What changed in the forecasts:', ...a.forecastChanges.map((c) => `  - ${c}`));
  }
  out.push('', 'Files:');
  if (a.files.length === 0) out.push('  none');
  for (const f of a.files) out.push(`  - ${f.label}: ${f.path}`);
  out.push('', 'What to do:', ...advice(a).map((l) => `  - ${l}`), '');
  return out.join('\n');
}

function stateLabel(state: string): string {
  if (state === 'HALTED') return 'TRADING HALTED';
  if (state === 'REDUCING') return 'REDUCING (only exposure-reducing orders)';
  return `trading ${state}`;
}

/** Red for a failure; amber for a blocked run (halted or not) and for REDUCING. */
function toneOf(a: AlertInput): Tone {
  return a.outcome === 'FAILED' ? 'failure' : 'caution';
}

function renderHtml(a: AlertInput, subject: string, summary: [string, string][]): string {
  const hasError = a.error !== undefined && a.error.trim() !== '';
  const rows: string[] = [
    heading(`${a.account} · run ${a.runId}`, `${a.outcome}: ${oneLine(headline(a))}`),
    banner(toneOf(a), `${a.outcome} · ${stateLabel(a.tradingState)}`, [
      e(`${a.outcome === 'FAILED' ? 'The run failed' : 'The run was blocked'}: ${ordersSentence(a)}.`),
      ...(killSwitchOn(a) ? [inlineCode('The kill switch is on: runs place no order until `rebalancer resume`.')] : []),
    ]),
    section(
      'Run',
      keyValues(summary.map(([label, value]): [string, string] => [label, label === 'Time' ? exchangeTimeHtml(a.now) : e(value)])),
    ),
    section(
      `Breaches (${a.breaches.length})`,
      a.breaches.length === 0
        ? muted('none')
        : a.breaches
            .map((b) => block(toneOf(a), `<strong>${e(b.code)}</strong>${b.symbol === undefined ? '' : ` ${e(b.symbol)}`}`, e(b.detail)))
            .join('\n'),
    ),
  ];
  if (hasError) rows.push(section('Error', preformatted((a.error ?? '').trimEnd())));
  if (a.forecastChanges !== undefined && a.forecastChanges.length > 0) {
    rows.push(section('What changed in the forecasts', list(a.forecastChanges.map((c) => e(c)))));
  }
  rows.push(
    section(
      'Files',
      a.files.length === 0
        ? muted('none')
        : a.files.map((f) => block('neutral', `<strong>${e(f.label)}</strong>`, code(f.path))).join('\n'),
    ),
    section('What to do', list(advice(a).map(inlineCode))),
    footer([e(`Sent by the rebalancer for account ${a.account}, run ${a.runId}. Times are New York time (the exchange's).`)]),
  );
  return emailDocument({ title: subject, preheader: `${a.outcome} · ${stateLabel(a.tradingState)}: ${ordersSentence(a)}`, rows });
}
