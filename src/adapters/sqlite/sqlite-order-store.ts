import type { BrokerOrder, Execution } from '../../core/types.js';
import type {
  FillRecord,
  ModificationIntent,
  ModificationOutcome,
  ModificationRecord,
  OrderIntent,
  OrderReconciliation,
  OrderRecord,
  TradesCsvMark,
} from '../../ports/store.js';
import { fillVersion, revisionRange } from '../../core/exec-ids.js';
import { toFillRecord, toModificationRecord, toOrderRecord } from './store-rows.js';
import {
  brokerUpdateParams,
  fillParams,
  intentParams,
  modificationIntentParams,
  modificationOutcomeParams,
  reconcileParams,
} from './store-params.js';
import { SqliteStoreBase } from './sqlite-store-base.js';

/**
 * The tables `orders`, `order_modifications` and `fills` of {@link SqliteStore}: an order from its intent to its
 * broker status and reconciliation, the changes later runs made to it in place, and the executions that fill it,
 * recorded once each by execution id.
 */
export abstract class SqliteOrderStore extends SqliteStoreBase {
  recordOrderIntent(runId: string, order: OrderIntent, createdAt: string): void {
    this.transaction(`record order intent ${order.orderRef}`, () => this.insertIntentOnce(runId, order, createdAt));
  }

  recordOrderIntents(runId: string, orders: readonly OrderIntent[], createdAt: string): void {
    if (orders.length === 0) return;
    this.transaction(`record ${orders.length} order intents of run ${runId}`, () => {
      for (const order of orders) this.insertIntentOnce(runId, order, createdAt, true);
    });
  }

  markTurnsTaken(orderRefs: readonly string[]): void {
    if (orderRefs.length === 0) return;
    this.transaction(`record that the turn of ${orderRefs.length} order(s) came`, () => {
      for (const orderRef of orderRefs) {
        if (this.q.takeTurn.run(orderRef).changes !== 1)
          throw this.fail(`order ${orderRef} is about to be sent but has no recorded intent`);
      }
    });
  }

  /** Inside a transaction: the intent, unless its orderRef is recorded already (then it throws: never sent twice). */
  private insertIntentOnce(runId: string, order: OrderIntent, createdAt: string, awaitingTurn = false): void {
    const existing = this.q.orderByRef.get(order.orderRef);
    if (existing !== undefined) {
      throw this.fail(
        `order ${order.orderRef} is already recorded (run ${existing.run_id}, status ${existing.status}); an order is never sent twice`,
      );
    }
    this.q.insertIntent.run(intentParams(runId, order, createdAt, awaitingTurn));
  }

  markOrderSent(orderRef: string, order: BrokerOrder): void {
    this.guard(`record order ${orderRef} as sent`, () => {
      const { changes } = this.q.markSent.run(brokerUpdateParams(orderRef, order, this.now()));
      if (changes !== 1) throw this.fail(`order ${orderRef} was sent but has no recorded intent`);
    });
  }

  markOrderFailed(orderRef: string, message: string): void {
    this.guard(`record order ${orderRef} as failed`, () => {
      const { changes } = this.q.markFailed.run({ order_ref: orderRef, message, updated_at: this.now() });
      if (changes !== 1) throw this.fail(`order ${orderRef} failed but has no recorded intent`);
    });
  }

  updateOrderStatuses(orders: BrokerOrder[]): void {
    this.transaction('update order statuses', () => {
      for (const o of orders) this.q.updateStatus.run(brokerUpdateParams(o.orderRef, o, this.now()));
    });
  }

  ordersOf(runId: string): OrderRecord[] {
    return this.guard(`read orders of run ${runId}`, () => this.q.ordersOf.all(runId)).map(toOrderRecord);
  }

  recordModificationIntent(runId: string, intent: ModificationIntent, createdAt: string): number {
    return this.transaction(`record the change of order ${intent.orderRef}`, () => {
      if (this.q.orderByRef.get(intent.orderRef) === undefined) {
        throw this.fail(`order ${intent.orderRef} is not recorded; a change of it cannot be`);
      }
      return Number(this.q.insertModification.run(modificationIntentParams(runId, intent, createdAt)).lastInsertRowid);
    });
  }

  settleModification(id: number, outcome: ModificationOutcome, at: string): void {
    this.transaction(`record what came of change ${id}`, () => {
      const { changes } = this.q.settleModification.run(modificationOutcomeParams(id, outcome, at));
      if (changes !== 1) throw this.fail(`no change ${id} of an order to settle`);
      if (outcome.status !== 'Modified') return;
      this.q.applyModification.run({ id, updated_at: at });
      const order = outcome.order;
      const ref = this.q.orderRefOfModification.get(id)?.order_ref;
      if (order === undefined || ref === undefined) return;
      const { status, filled_quantity, avg_fill_price } = brokerUpdateParams(ref, order, at);
      this.q.orderAsModified.run({ order_ref: ref, status, filled_quantity, avg_fill_price, updated_at: at });
    });
  }

  unsettledModifications(exceptRunId: string): ModificationRecord[] {
    return this.guard('read the unsettled changes of orders', () => this.q.unsettledModifications.all(exceptRunId)).map(
      toModificationRecord,
    );
  }

  modificationsOf(runId: string): ModificationRecord[] {
    return this.guard(`read the changes of orders of run ${runId}`, () => this.q.modificationsOf.all(runId)).map(toModificationRecord);
  }

  ordersToReconcile(exceptRunId: string): OrderRecord[] {
    return this.guard('read the orders to reconcile', () => this.q.ordersToReconcile.all(exceptRunId)).map(toOrderRecord);
  }

  ordersMissingFills(exceptRunId: string, since: string): OrderRecord[] {
    return this.guard('read the orders missing fills', () => this.q.ordersMissingFills.all(since, exceptRunId)).map(toOrderRecord);
  }

  unknownOutcomes(): OrderRecord[] {
    return this.guard('read the orders of unknown outcome', () => this.q.unknownOutcomes.all()).map(toOrderRecord);
  }

  acceptUnknownOutcomes(symbol: string, at: string, note: string): number {
    return this.guard(`accept the unknown outcomes of ${symbol}`, () => this.q.acceptUnknownOutcomes.run({ symbol, at, note }).changes);
  }

  recordReconciliation(orderRef: string, outcome: OrderReconciliation): void {
    this.guard(`record the reconciliation of order ${orderRef}`, () => {
      const { changes } = this.q.recordReconciliation.run(reconcileParams(orderRef, outcome));
      if (changes !== 1) throw this.fail(`order ${orderRef} was reconciled but is not recorded`);
    });
  }

  recordReconciliations(outcomes: readonly { orderRef: string; outcome: OrderReconciliation }[]): void {
    this.transaction(`record the reconciliation of ${outcomes.length} order(s)`, () => {
      for (const { orderRef, outcome } of outcomes) {
        const { changes } = this.q.recordReconciliation.run(reconcileParams(orderRef, outcome));
        if (changes !== 1) throw this.fail(`order ${orderRef} was reconciled but is not recorded`);
      }
    });
  }

  recordFills(runId: string, executions: Execution[]): Execution[] {
    return this.transaction(`record fills of run ${runId}`, () => {
      const updatedAt = this.now();
      const corrected = new Set<string>();
      const fresh = executions.filter((e) => {
        const current = this.q.fillRevisions.all({ exec_id: e.execId, ...revisionRange(e.execId) }).map((r) => r.exec_id);
        const version = fillVersion(e.execId, current, this.q.isReplacedFill.get(e.execId) !== undefined);
        if (version.kind === 'known') {
          const commission = fillParams(runId, e).commission;
          if (commission !== null) this.q.fillInCommission.run({ exec_id: e.execId, commission });
          return false;
        }
        // The correction goes in first: one with a missing figure is skipped and the recorded version stays.
        if (this.q.insertFill.run(fillParams(runId, e)).changes !== 1) return false;
        if (version.kind === 'correction') {
          const replacedRef = this.q.orderRefOfFill.get(version.replaces)?.order_ref;
          if (replacedRef !== undefined) corrected.add(replacedRef);
          this.q.replaceFill.run({ exec_id: version.replaces, replaced_by: e.execId, replaced_at: updatedAt, run_id: runId });
          this.q.deleteFill.run(version.replaces);
          corrected.add(e.orderRef);
        }
        return true;
      });
      for (const ref of new Set(fresh.map((e) => e.orderRef))) {
        if (!corrected.has(ref)) this.q.syncOrderFills.run({ order_ref: ref, updated_at: updatedAt });
      }
      for (const ref of corrected) this.q.resyncOrderFills.run({ order_ref: ref, updated_at: updatedAt });
      return fresh;
    });
  }

  oldestFillWithoutCommission(): string | undefined {
    return this.guard('read the fills without a commission', () => this.q.oldestFillWithoutCommission.get())?.time ?? undefined;
  }

  fillsOfOrder(orderRef: string): FillRecord[] {
    return this.guard(`read the fills of order ${orderRef}`, () => this.q.fillsOfOrder.all(orderRef)).map(toFillRecord);
  }

  hasFill(execId: string): boolean {
    return this.guard(`look up execution ${execId}`, () => this.q.hasFill.get(execId) ?? this.q.isReplacedFill.get(execId)) !== undefined;
  }

  ownFillTotals(orderRefPrefix: string): { symbol: string; quantity: number }[] {
    // A prefix ending at the orderRef's first ':' (the system's own 'rebal:') reads the running totals; any other
    // sums the fills.
    if (/^[^:]*:$/.test(orderRefPrefix)) {
      return this.guard('sum the fills of own orders', () => this.q.fillTotalsOfPrefix.all(orderRefPrefix));
    }
    return this.guard('sum the fills of own orders', () => this.q.ownFillTotals.all(orderRefPrefix, orderRefPrefix));
  }

  fillsNotInCsv(): FillRecord[] {
    return this.guard('read fills not yet in the trades CSV', () => this.q.fillsNotInCsv.all()).map(toFillRecord);
  }

  markFillsInCsv(execIds: string[], mark?: TradesCsvMark): void {
    this.transaction('mark fills as written to the trades CSV', () => {
      for (const id of execIds) this.q.markInCsv.run(id);
      if (mark !== undefined) {
        this.q.setTradesCsvMark.run({ size: mark.size, mtime_ms: mark.mtimeMs, ino: mark.ino, dev: mark.dev, eol: mark.eol });
      }
    });
  }

  tradesCsvMark(): TradesCsvMark | undefined {
    const row = this.guard('read the mark of the trades CSV', () => this.q.tradesCsvMark.get());
    return row === undefined ? undefined : { size: row.size, mtimeMs: row.mtime_ms, ino: row.ino, dev: row.dev, eol: row.eol };
  }

  *tradesCsvRows(): Iterable<FillRecord> {
    const action = 'read the rows of the trades CSV';
    const rows = this.guard(action, () => this.q.tradesCsvRows.iterate());
    try {
      for (;;) {
        const step = this.guard(action, () => rows.next());
        if (step.done === true) return;
        yield toFillRecord(step.value);
      }
    } finally {
      // Abandoned midway (the file could not be written): the cursor is closed, the connection free again.
      rows.return?.();
    }
  }

  tradedValueOn(tradingDay: string): number {
    return this.guard(`read the value traded on ${tradingDay}`, () => this.q.tradedValueOn.get(tradingDay))?.value ?? 0;
  }
}
