import { randomBytes } from 'node:crypto';
import { operatorName } from './operator.js';
import { DateTime } from 'luxon';
import { ExitCode } from '../../errors.js';
import { effectiveFlows, signedMoney } from '../../core/cash-flows.js';
import { formatMoney } from '../../core/money.js';
import { formatTable } from '../../run/console-report.js';
import type { CashFlowKind, CashFlowRecord, RunStore } from '../../ports/store.js';
import { openApp, openExistingStore, recordsLine } from '../../app/compose.js';
import { findHome } from '../../config/home.js';
import { configuredOwnerRefusal } from '../../app/records-owner-config.js';
import type { CommandIo } from './command-io.js';

export const CASH_FLOW_KINDS: readonly CashFlowKind[] = ['deposit', 'withdrawal', 'dividend', 'interest', 'fee', 'other'];

export interface CashflowOptions {
  amount?: string;
  kind?: string;
  reason?: string;
  at?: string;
  currency?: string;
  /** Declare it even though the same amount was declared in the last day (other money of the same size). */
  again?: boolean;
  json: boolean;
  /** The command's clock (--now, REBALANCER_NOW, else the real time), ISO 8601 UTC. */
  now: string;
}

/** How far back `rebalancer cashflow` lists flows, and looks for a flow a run inferred of the same money. */
export const RECENT_DAYS = 30;
/** A declaration may be this far ahead of the clock (two machines' clocks a little apart), no more. */
const FUTURE_TOLERANCE_MS = 60_000;

/** A declaration checked: what will be recorded, or the usage error naming the option. */
interface Declaration {
  amount: number;
  kind: CashFlowKind;
  reason: string;
  /** Undefined: not given (default: now, or the end of the interval of a run's inference of the same money). */
  at?: string;
  currency?: string;
}

/**
 * `rebalancer cashflow --amount -8000 --kind withdrawal --reason TEXT [--at ISO] [--currency USD]`: a person
 * declares money that moved in or out of the account. The runs take it out of NAV_JUMP and DAILY_LOSS_LIMIT
 * and the daily P&L; a flow a run inferred over an interval that holds the declaration's time is replaced by it.
 * Without `--amount`: the flows of the last 30 days (declared, inferred, from statements).
 */
export function cashflowCommand(io: CommandIo, options: CashflowOptions): ExitCode {
  const declaring = [options.amount, options.kind, options.reason, options.at, options.currency].some((v) => v !== undefined);
  const parsed = declaring ? parseDeclaration(options) : undefined;
  if (typeof parsed === 'string') {
    io.err(`cashflow: ${parsed}`);
    return ExitCode.usage;
  }
  const home = findHome(io.cwd, io.env, { mayCreate: false });
  const app = openApp(home.dir, io.env, { workingDir: io.cwd });
  const store = openExistingStore(app.config);
  try {
    const refused = configuredOwnerRefusal(store, app.config, 'the configuration');
    if (refused !== undefined) {
      io.err(`cashflow refused: ${refused}`);
      return ExitCode.usage;
    }
    if (parsed === undefined) {
      if (!options.json) io.out(recordsLine(home, app.config));
      list(io, store, options);
      return ExitCode.ok;
    }
    return declare(io, store, parsed, options, recordsLine(home, app.config));
  } finally {
    store.close();
  }
}

/** The declaration's options, checked before anything is opened; a string is the usage error. */
export function parseDeclaration(o: CashflowOptions): Declaration | string {
  if (o.amount === undefined) return '--amount is required to declare a flow (positive in, negative out, like -8000 or 1500.25)';
  const amountText = o.amount.trim();
  if (!/^[+-]?\d+(\.\d{1,2})?$/.test(amountText))
    return `--amount: expected a number with at most 2 decimals, like -8000 or 1500.25 (got "${o.amount}")`;
  const amount = Number(amountText);
  if (!Number.isFinite(amount) || amount === 0) return `--amount: must be a non-zero amount (got "${o.amount}")`;
  if (o.kind === undefined) return `--kind is required: one of ${CASH_FLOW_KINDS.join(', ')}`;
  const kind = CASH_FLOW_KINDS.find((k) => k === o.kind);
  if (kind === undefined) return `--kind: expected one of ${CASH_FLOW_KINDS.join(', ')} (got "${o.kind}")`;
  if (kind === 'deposit' && amount < 0)
    return `--amount: a deposit comes in, so it is positive (got ${o.amount}); money out is a withdrawal`;
  if ((kind === 'withdrawal' || kind === 'fee') && amount > 0)
    return `--amount: a ${kind} goes out, so it is negative (got ${o.amount}); money in is a deposit`;
  const reason = (o.reason ?? '').trim();
  if (reason === '') return '--reason is required: why the money moved (it is recorded, with who and when)';
  let at: string | undefined;
  if (o.at !== undefined) {
    const when = DateTime.fromISO(o.at.trim(), { setZone: true });
    const hasZone = /T\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(o.at.trim());
    if (!when.isValid || !hasZone) return `--at: not an ISO 8601 time with a zone, like 2026-11-23T15:30:00Z (got "${o.at}")`;
    at = when.toUTC().toISO() ?? undefined;
    if (at === undefined || Date.parse(at) > Date.parse(o.now) + FUTURE_TOLERANCE_MS)
      return `--at: ${o.at} is in the future (now ${o.now}): declare money once it has moved`;
  }
  let currency: string | undefined;
  if (o.currency !== undefined) {
    currency = o.currency.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) return `--currency: expected a 3-letter currency code like USD (got "${o.currency}")`;
  }
  return { amount, kind, reason, ...(at === undefined ? {} : { at }), ...(currency === undefined ? {} : { currency }) };
}

function declare(io: CommandIo, store: RunStore, d: Declaration, o: CashflowOptions, where: string): ExitCode {
  const read = store.latestAccountRead();
  const accountCurrency = read?.currency ?? store.latestSnapshot()?.currency;
  const currency = d.currency ?? accountCurrency;
  if (currency === undefined) {
    io.err('cashflow: no run has read the account yet, so its currency is unknown: give --currency (like USD)');
    return ExitCode.usage;
  }
  if (accountCurrency !== undefined && currency !== accountCurrency) {
    io.err(
      `cashflow: --currency ${currency}: the account is measured in ${accountCurrency}; a flow in another currency ` +
        `cannot be taken out of its NLV: declare its value in ${accountCurrency}`,
    );
    return ExitCode.usage;
  }
  // A typo (a zero too many) would hide a real loss of the same size from DAILY_LOSS_LIMIT: money out can never
  // be more than the account held.
  if (read !== undefined && d.amount < 0 && -d.amount > read.netLiquidation) {
    io.err(
      `cashflow: --amount ${signedMoney(d.amount)} is more than the account's NLV (${formatMoney(read.netLiquidation)} ${read.currency} ` +
        `at ${read.readAt}): no withdrawal takes more than the account holds; check the amount`,
    );
    return ExitCode.usage;
  }
  const since = DateTime.fromISO(o.now).minus({ days: RECENT_DAYS }).toUTC().toISO() ?? o.now;
  const recent = store.cashFlowsSince(since);
  const standing = effectiveFlows(recent);
  const notes: string[] = [];

  // The money a run already inferred: without --at, the declaration names that money (it is recorded at the end
  // of the interval the run measured, so it replaces the inferred flow instead of counting twice).
  const inferred = standing.filter((f) => f.source === 'inferred' && f.currency === currency && sameMoney(f.amount, d.amount)).at(-1);
  let at = d.at;
  if (at === undefined && inferred !== undefined) {
    at = inferred.at;
    notes.push(
      `run ${inferred.runId ?? '?'} measured ${signedMoney(inferred.amount)} ${currency} between ${inferred.windowFrom ?? '?'} and ${inferred.at}: ` +
        `recorded at ${inferred.at}, so this declaration replaces that inferred flow (give --at to declare other money)`,
    );
  } else if (d.at !== undefined && inferred !== undefined && !inside(d.at, inferred)) {
    notes.push(
      `note: run ${inferred.runId ?? '?'} inferred ${signedMoney(inferred.amount)} ${currency} between ${inferred.windowFrom ?? '?'} and ` +
        `${inferred.at}; --at ${d.at} is outside that interval, so both count. If it is the same money, declare it with --at ${inferred.at}`,
    );
  }
  if (at === undefined && read !== undefined)
    notes.push(
      `note: recorded at ${o.now}, after the last run read the account (${read.readAt}). If that run already saw this money, ` +
        `declare it with --at the time it moved (before ${read.readAt}) instead: otherwise the next run's NAV_JUMP takes it for a jump`,
    );
  at ??= o.now;

  // The same command typed twice would count the money twice.
  const twin = recent.find(
    (f) => f.source === 'declared' && f.currency === currency && f.amount === d.amount && near(f.at, at, 86_400_000),
  );
  if (twin !== undefined && o.again !== true) {
    io.err(
      `cashflow: ${signedMoney(d.amount)} ${currency} was declared already at ${twin.at} (${twin.id}, ${twin.recordedBy}: ${twin.description}); ` +
        'declaring it again counts it twice. If this is other money of the same amount, add --again',
    );
    return ExitCode.usage;
  }

  const recordedBy = `operator ${operatorName()}`;
  const flow: CashFlowRecord = {
    id: `declared:${at}:${randomBytes(4).toString('hex')}`,
    at,
    amount: d.amount,
    currency,
    kind: d.kind,
    source: 'declared',
    description: d.reason,
    recordedAt: o.now,
    recordedBy,
  };
  store.recordCashFlow(flow);
  const summary = {
    recorded: flow,
    effect:
      'the next run takes it out of NAV_JUMP and DAILY_LOSS_LIMIT (and the daily P&L); a flow inferred for the same interval is replaced by this one',
    notes,
  };
  if (o.json) {
    io.out(JSON.stringify(summary, null, 2));
    return ExitCode.ok;
  }
  io.out(
    where,
    `recorded: ${d.kind} ${signedMoney(d.amount)} ${currency} at ${at} (declared, ${flow.id})`,
    `reason: ${d.reason}; recorded by ${recordedBy}`,
    ...notes,
    summary.effect,
  );
  return ExitCode.ok;
}

/** The flows of the last 30 days, oldest first, each with what replaced it (an inferred flow a declaration names). */
function list(io: CommandIo, store: RunStore, o: CashflowOptions): void {
  const since = DateTime.fromISO(o.now).minus({ days: RECENT_DAYS }).toUTC().toISO() ?? o.now;
  const flows = store.cashFlowsSince(since).filter((f) => Date.parse(f.at) <= Date.parse(o.now) + FUTURE_TOLERANCE_MS);
  const counted = new Set(effectiveFlows(flows).map((f) => f.id));
  const rows = flows.map((f) => ({ ...f, counted: counted.has(f.id) }));
  if (o.json) {
    io.out(JSON.stringify({ since, flows: rows }, null, 2));
    return;
  }
  if (rows.length === 0) {
    io.out(`no cash flows recorded since ${since}`);
    return;
  }
  io.out(`cash flows since ${since} (oldest first):`);
  io.out(
    ...formatTable(
      ['AT', 'AMOUNT', 'CUR', 'KIND', 'SOURCE', 'COUNTED', 'BY', 'DESCRIPTION'],
      rows.map((f) => [
        f.at,
        signedMoney(f.amount),
        f.currency,
        f.kind,
        f.source,
        f.counted ? 'yes' : 'no (replaced by a declaration)',
        f.recordedBy,
        f.description,
      ]),
      new Set([1]),
    ),
  );
}

/** Within a cent, or 1% (a run measures the change in cash, which a little interest or a fee may move). */
function sameMoney(a: number, b: number): boolean {
  return Math.sign(a) === Math.sign(b) && Math.abs(a - b) <= Math.max(0.01, Math.abs(b) * 0.01);
}

function inside(at: string, f: CashFlowRecord): boolean {
  return f.windowFrom !== undefined && at > f.windowFrom && at <= f.at;
}

function near(a: string, b: string, ms: number): boolean {
  return Math.abs(Date.parse(a) - Date.parse(b)) <= ms;
}
