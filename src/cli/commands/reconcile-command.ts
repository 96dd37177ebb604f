import { Decimal } from 'decimal.js';
import { operatorName } from './operator.js';
import { ExitCode } from '../../errors.js';
import { formatTable } from '../../run/console-report.js';
import type { LedgerCheck, LedgerCheckLine, OrderRecord, RunStore } from '../../ports/store.js';
import { openApp, openExistingStore, recordsLine } from '../../app/compose.js';
import { findHome } from '../../config/home.js';
import { configuredOwnerRefusal } from '../../app/records-owner-config.js';
import type { CommandIo } from './command-io.js';

export interface ReconcileOptions {
  accept?: string;
  reason?: string;
  json: boolean;
  now: string;
}

/** One ticker of the latest check, with what a person accepted since. */
interface Row extends LedgerCheckLine {
  /** Adjustments accepted against this check. */
  accepted: number;
  /** broker - (ledger + accepted): what is left to explain; 0 when they agree. */
  difference: number;
}

/**
 * `rebalancer reconcile`: each managed ticker's ledger (baseline + fills of own orders + accepted adjustments)
 * against the broker's position, as the latest run found them (after collecting its fills, before planning).
 * `--accept SYMBOL --reason TEXT` records an adjustment so that the ledger equals the broker's figure, and
 * settles the ticker's orders of unknown outcome as they are (ORDER_OUTCOME_UNKNOWN), which lifts the ticker's
 * block from the next run on (if the broker still holds that figure then).
 */
export function reconcileCommand(io: CommandIo, options: ReconcileOptions): ExitCode {
  if (options.accept !== undefined && (options.reason === undefined || options.reason.trim() === '')) {
    io.err("reconcile --accept needs --reason TEXT: why the broker's figure is right (it is recorded)");
    return ExitCode.usage;
  }
  const home = findHome(io.cwd, io.env, { mayCreate: false });
  // The listing logs nothing (its log is opened only for a warning); --accept logs what it changed, so opens it first.
  const app = openApp(home.dir, io.env, { workingDir: io.cwd, deferLog: options.accept === undefined });
  const store = openExistingStore(app.config);
  // Which records: first for the listing, last after an --accept (whose first line is its outcome).
  const where = recordsLine(home, app.config);
  if (!options.json && options.accept === undefined) io.out(where);
  try {
    // Records of another broker, account or trading mode: nothing to show or accept into this one (exit 2).
    const refused = configuredOwnerRefusal(store, app.config, 'the configuration');
    if (refused !== undefined) {
      io.err(`reconcile refused: ${refused}`);
      return ExitCode.usage;
    }
    const check = store.latestLedgerCheck();
    if (check === undefined) {
      io.err('no ledger check recorded yet: a run compares ledger and broker once tickers are managed; run `rebalancer run` first');
      return ExitCode.failed;
    }
    const rows = rowsOf(store, check);
    if (options.accept === undefined) {
      print(io, check, rows, options.json, store.unknownOutcomes());
      return ExitCode.ok;
    }
    const symbol = options.accept.trim().toUpperCase();
    const row = rows.find((r) => r.symbol === symbol);
    if (row === undefined) {
      const managed = store.managedSymbols();
      io.err(
        managed.includes(symbol)
          ? `${symbol} was not in the ledger check of run ${check.runId}: run \`rebalancer run\` first`
          : `${symbol} is not a managed ticker (managed: ${managed.join(', ') || 'none'})`,
      );
      return managed.includes(symbol) ? ExitCode.failed : ExitCode.usage;
    }
    const unknown = store.unknownOutcomes().filter((o) => o.symbol === symbol);
    if (row.difference === 0 && unknown.length === 0) {
      io.out(
        `${symbol}: ledger ${row.ledgerQuantity + row.accepted} = broker ${row.brokerQuantity} at run ${check.runId}: nothing to accept`,
      );
      return ExitCode.ok;
    }
    const settled =
      unknown.length === 0
        ? []
        : [
            `${unknown.length} order(s) of unknown outcome settled as the broker's position shows, never looked up again: ${unknown.map((o) => o.orderRef).join(', ')}`,
          ];
    if (unknown.length > 0) {
      store.acceptUnknownOutcomes(
        symbol,
        options.now,
        `outcome accepted by operator ${operatorName()} at ${options.now}: ${options.reason ?? ''}`,
      );
      app.logger.warn({ symbol, orders: unknown.map((o) => o.orderRef), reason: options.reason }, 'unknown order outcomes accepted');
    }
    if (row.difference === 0) {
      io.out(
        `accepted: ${symbol} ledger ${row.ledgerQuantity + row.accepted} = broker ${row.brokerQuantity} at run ${check.runId} (${check.at}), no adjustment`,
        ...settled,
        `reason: ${options.reason ?? ''}; recorded by operator ${operatorName()}`,
        `the next run trades ${symbol} again`,
      );
      return ExitCode.ok;
    }
    const before = new Decimal(row.ledgerQuantity).plus(row.accepted).toNumber();
    const source = `operator ${operatorName()}`;
    store.recordLedgerAdjustment({
      symbol,
      kind: 'accept',
      quantity: row.difference,
      ledgerBefore: before,
      brokerQuantity: row.brokerQuantity,
      reason: options.reason ?? '',
      runId: check.runId,
      at: options.now,
      source,
    });
    app.logger.warn(
      {
        symbol,
        quantity: row.difference,
        ledgerBefore: before,
        brokerQuantity: row.brokerQuantity,
        reason: options.reason,
        runId: check.runId,
      },
      'position break accepted',
    );
    io.out(
      `accepted: ${symbol} ledger ${before} -> ${row.brokerQuantity} (adjustment ${signed(row.difference)}), the broker's figure at run ${check.runId} (${check.at})`,
      ...settled,
      `reason: ${options.reason ?? ''}; recorded by ${source}`,
      `the next run trades ${symbol} again if the broker still holds ${row.brokerQuantity} plus the fills of own orders since`,
    );
    return ExitCode.ok;
  } finally {
    if (options.accept !== undefined) io.out(where);
    store.close();
  }
}

function rowsOf(store: RunStore, check: LedgerCheck): Row[] {
  const adjustments = store.ledgerAdjustments().filter((a) => a.kind === 'accept' && a.runId === check.runId);
  return check.lines.map((line) => {
    const accepted = adjustments.filter((a) => a.symbol === line.symbol).reduce((sum, a) => sum.plus(a.quantity), new Decimal(0));
    const difference = new Decimal(line.brokerQuantity).minus(line.ledgerQuantity).minus(accepted);
    return { ...line, accepted: accepted.toNumber(), difference: difference.isZero() ? 0 : difference.toNumber() };
  });
}

function print(io: CommandIo, check: LedgerCheck, rows: Row[], json: boolean, unknownOrders: OrderRecord[]): void {
  const unknown = new Set(unknownOrders.map((o) => o.symbol));
  if (json) {
    const tickers = rows.map((r) => ({ ...r, agrees: r.difference === 0, outcomeUnknown: unknown.has(r.symbol) }));
    io.out(JSON.stringify({ runId: check.runId, at: check.at, tickers }, null, 2));
    return;
  }
  const breaks = rows.filter((r) => r.difference !== 0);
  const blocked = rows.filter((r) => r.difference !== 0 || unknown.has(r.symbol));
  io.out(`ledger vs broker at run ${check.runId} (${check.at}): ${rows.length} managed ticker(s), ${breaks.length} break(s)`);
  io.out(
    ...formatTable(
      ['SYMBOL', 'LEDGER', 'ACCEPTED', 'BROKER', 'DIFF', 'STATUS'],
      rows.map((r) => [
        r.symbol,
        String(r.ledgerQuantity),
        r.accepted === 0 ? '' : signed(r.accepted),
        String(r.brokerQuantity),
        r.difference === 0 ? '' : signed(r.difference),
        r.difference !== 0
          ? 'BREAK: not traded'
          : unknown.has(r.symbol)
            ? 'ORDER OUTCOME UNKNOWN: not traded'
            : r.accepted !== 0
              ? 'accepted'
              : 'ok',
      ]),
      new Set([1, 2, 3, 4]),
    ),
  );
  if (unknownOrders.length > 0)
    io.out(
      '',
      "orders of unknown outcome (no longer open at IB, executions out of the API's sight), each holding its ticker:",
      ...unknownOrders.map(
        (o) => `  ${o.orderRef}: ${o.action} ${o.quantity} ${o.symbol}, sent ${o.createdAt}, ${o.filledQuantity} recorded filled`,
      ),
    );
  if (blocked.length > 0)
    io.out('', `to accept the broker's figure: rebalancer reconcile --accept ${blocked[0]?.symbol ?? 'SYMBOL'} --reason "why"`);
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
