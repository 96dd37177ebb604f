/**
 * The warning email of a run that finished (orders sent, nothing to do, or market closed) but needs a person:
 * tickers it did not trade because their ledger and the broker disagree, and what it found of earlier runs
 * (a run that was killed, orders recovered from a crash or never sent). Pure.
 */
import type { Breach } from '../core/types.js';
import type { MailMessage } from '../ports/mailer.js';
import { escapeHtml } from './escape-html.js';

export interface WarningInput {
  account: string;
  runId: string;
  now: string;
  /** The run's status and exit code, as recorded. */
  status: string;
  exitCode: number;
  /** The ticker-scoped breaches (POSITION_BREAK): each blocked one ticker. */
  breaches: readonly Breach[];
  notices: readonly string[];
  files: readonly { label: string; path: string }[];
}

export function renderWarning(w: WarningInput): MailMessage {
  const first = w.breaches[0];
  const headline =
    first !== undefined
      ? `${first.code} ${first.symbol ?? ''}${w.breaches.length > 1 ? ` (+${w.breaches.length - 1} more)` : ''}`.replace(/\s+/g, ' ').trim()
      : `${w.notices.length} note(s) about earlier runs`;
  const subject = `[rebalancer] ${w.account} WARNING: ${headline} - run ${w.runId}`;
  const advice = [
    ...(w.breaches.length > 0
      ? [
          'A blocked ticker is not traded until its ledger and the broker agree again. `rebalancer reconcile` shows both figures per ticker.',
          'If the broker\'s figure is right (a trade you made by hand, a corporate action): `rebalancer reconcile --accept SYMBOL --reason "why"`.',
          'If it is not, find the missing fill or the trade at the broker first; the block clears by itself once they agree.',
        ]
      : []),
    'The records of the run are in the database; `rebalancer status` shows the last runs.',
  ];
  const text = [
    `The rebalancer run ${w.runId} for account ${w.account} finished (${w.status}, exit code ${w.exitCode}) but needs your attention.`,
    '',
    `Blocked tickers (${w.breaches.length}):`,
    ...(w.breaches.length === 0 ? ['  none'] : w.breaches.map((b) => `  - ${b.code}${b.symbol ? ` ${b.symbol}` : ''}: ${b.detail}`)),
    '',
    `Earlier runs and orders (${w.notices.length}):`,
    ...(w.notices.length === 0 ? ['  none'] : w.notices.map((n) => `  - ${n}`)),
    '',
    'Files:',
    ...w.files.map((f) => `  - ${f.label}: ${f.path}`),
    '',
    'What to do:',
    ...advice.map((a) => `  - ${a}`),
    '',
  ].join('\n');
  const e = escapeHtml;
  const list = (items: readonly string[]): string =>
    items.length === 0 ? '<p>none</p>' : `<ul>${items.map((i) => `<li>${e(i)}</li>`).join('')}</ul>`;
  const html = [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${e(subject)}</title></head>`,
    '<body style="font-family:sans-serif">',
    `<h2>${e(subject)}</h2>`,
    `<p>${e(`The run finished (${w.status}, exit code ${w.exitCode}) at ${w.now} but needs your attention.`)}</p>`,
    `<h3>Blocked tickers (${w.breaches.length})</h3>`,
    list(w.breaches.map((b) => `${b.code}${b.symbol ? ` ${b.symbol}` : ''}: ${b.detail}`)),
    `<h3>Earlier runs and orders (${w.notices.length})</h3>`,
    list(w.notices),
    '<h3>Files</h3>',
    list(w.files.map((f) => `${f.label}: ${f.path}`)),
    '<h3>What to do</h3>',
    list(advice),
    '</body></html>',
    '',
  ].join('\n');
  return { subject, text, html };
}
