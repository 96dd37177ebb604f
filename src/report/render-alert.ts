/** The alert email of a failed or blocked run: pure, from the run's outcome to a subject, text and HTML. */
import type { Breach } from '../core/types.js';
import type { MailMessage } from '../ports/mailer.js';
import { escapeHtml } from './escape-html.js';
import { missingStrategyOf, retireCommandFor } from '../core/strategies.js';

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
    ['Time', a.now],
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
  out.push('', 'Files:');
  if (a.files.length === 0) out.push('  none');
  for (const f of a.files) out.push(`  - ${f.label}: ${f.path}`);
  out.push('', 'What to do:', ...advice(a).map((l) => `  - ${l}`), '');
  return out.join('\n');
}

function renderHtml(a: AlertInput, subject: string, summary: [string, string][]): string {
  const e = escapeHtml;
  const cell = 'style="border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top"';
  const table = (head: string[] | undefined, rows: string[][]): string =>
    [
      '<table style="border-collapse:collapse">',
      ...(head ? [`<tr>${head.map((h) => `<th ${cell}>${e(h)}</th>`).join('')}</tr>`] : []),
      ...rows.map(
        (r) =>
          `<tr>${r.map((c, i) => (head === undefined && i === 0 ? `<th ${cell}>${e(c)}</th>` : `<td ${cell}>${e(c)}</td>`)).join('')}</tr>`,
      ),
      '</table>',
    ].join('\n');
  const parts: string[] = [];
  parts.push(`<h2>${e(subject)}</h2>`);
  parts.push(table(undefined, summary));
  parts.push(`<h3>Breaches (${a.breaches.length})</h3>`);
  parts.push(
    a.breaches.length === 0
      ? '<p>none</p>'
      : table(
          ['Code', 'Symbol', 'Detail'],
          a.breaches.map((b) => [b.code, b.symbol ?? '', b.detail]),
        ),
  );
  if (a.error !== undefined && a.error.trim() !== '') parts.push('<h3>Error</h3>', `<pre>${e(a.error.trimEnd())}</pre>`);
  parts.push('<h3>Files</h3>');
  parts.push(
    a.files.length === 0
      ? '<p>none</p>'
      : table(
          ['File', 'Path'],
          a.files.map((f) => [f.label, f.path]),
        ),
  );
  parts.push(
    '<h3>What to do</h3>',
    `<ul>${advice(a)
      .map((l) => `<li>${e(l)}</li>`)
      .join('')}</ul>`,
  );
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${e(subject)}</title></head>\n<body style="font-family:sans-serif">\n${parts.join('\n')}\n</body></html>\n`;
}
