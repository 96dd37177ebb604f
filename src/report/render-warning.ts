/**
 * The warning email of a run that finished (orders sent, nothing to do, or market closed) but needs a person:
 * tickers it did not trade because their ledger and the broker disagree, and what it found of earlier runs
 * (a run that was killed, orders recovered from a crash or never sent). Pure. The HTML is in the shared email design
 * (email-style.ts): a grey WARNING banner (amber while trading is HALTED or REDUCING), blocks for the blocked tickers,
 * backtick spans as code, times in New York time.
 */
import type { Breach } from '../core/types.js';
import type { MailMessage } from '../ports/mailer.js';
import { escapeHtml } from './escape-html.js';
import {
  banner,
  block,
  code,
  emailDocument,
  exchangeTimeHtml,
  footer,
  heading,
  inlineCode,
  keyValues,
  list,
  muted,
  section,
} from './email-style.js';

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
  /** ACTIVE | REDUCING | HALTED, when known: HALTED and REDUCING show in the banner while they hold. */
  tradingState?: string;
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
    ...(w.tradingState === undefined ? [] : [`Trading state: ${w.tradingState}`]),
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
  const state = w.tradingState === 'HALTED' ? ' · TRADING HALTED' : w.tradingState === 'REDUCING' ? ' · REDUCING' : '';
  const html = emailDocument({
    title: subject,
    preheader: `WARNING: ${headline}`,
    rows: [
      heading(`${w.account} · run ${w.runId}`, `WARNING: ${headline}`),
      banner(w.tradingState === 'HALTED' || w.tradingState === 'REDUCING' ? 'caution' : 'neutral', `WARNING${state}`, [
        e(`The run finished (${w.status}, exit code ${w.exitCode}) but needs your attention.`),
      ]),
      section(
        'Run',
        keyValues([
          ['Time', exchangeTimeHtml(w.now)],
          ...(w.tradingState === undefined ? [] : [['Trading state', e(w.tradingState)] as const]),
        ]),
      ),
      section(
        `Blocked tickers (${w.breaches.length})`,
        w.breaches.length === 0
          ? muted('none')
          : w.breaches
              .map((b) => block('caution', `<strong>${e(b.code)}</strong>${b.symbol ? ` ${e(b.symbol)}` : ''}`, e(b.detail)))
              .join('\n'),
      ),
      section(`Earlier runs and orders (${w.notices.length})`, w.notices.length === 0 ? muted('none') : list(w.notices.map(inlineCode))),
      section(
        'Files',
        w.files.length === 0
          ? muted('none')
          : w.files.map((f) => block('neutral', `<strong>${e(f.label)}</strong>`, code(f.path))).join('\n'),
      ),
      section('What to do', list(advice.map(inlineCode))),
      footer([e(`Sent by the rebalancer for account ${w.account}, run ${w.runId}. Times are New York time (the exchange's).`)]),
    ],
  });
  return { subject, text, html };
}
