import type { SimExecution } from '../../sim/sim-state.js';
import { commissionReport, executionData, type ExecutionView } from '../encode/encode-executions.js';
import type { GatewayFaults } from '../../sim/scenario-gateway.js';

/** What this needs of the gateway's context (session/context.ts, which calls it: no import back). */
interface GatewayContext {
  readonly account: { executionView(e: SimExecution): ExecutionView };
  readonly faults: Pick<GatewayFaults, 'correctExecutions' | 'lateCommissionReports'>;
}

/** What this needs of a connection: a send when a report or correction falls due. */
interface ClientLink {
  sendLater(ms: number, frames: () => string[][]): void;
}

/**
 * What the gateway sends a client for one execution, as IB does with the faults `correctExecutions` and
 * `lateCommissionReports` (src/sim/scenario-gateway.ts): the execution, its correction once due, and each one's
 * commission report once due; a report (or a live correction) not yet due is sent on `link` when it falls due,
 * if the connection is still open. Times count from the moment this gateway first sent the execution.
 */
export function executionFrames(ctx: GatewayContext, link: ClientLink, reqId: number, e: SimExecution): string[][] {
  const firstSent = firstSentAt(ctx, e.execId);
  const now = Date.now();
  const original = ctx.account.executionView(e);
  const frames: string[][] = [executionData(reqId, original), ...reportFrames(ctx, link, original, firstSent, now)];
  const correction = ctx.faults.correctExecutions[e.symbol];
  if (correction === undefined) return frames;
  const corrected = correctedView(original, correction.price);
  const due = firstSent + correction.afterMs;
  if (now >= due) return [...frames, executionData(reqId, corrected), ...reportFrames(ctx, link, corrected, firstSent, now)];
  // Live only: IB pushes the correction to a client that is connected when it happens.
  if (reqId === -1) {
    link.sendLater(due - now, () => [executionData(-1, corrected), ...reportFrames(ctx, link, corrected, firstSent, Date.now())]);
  }
  return frames;
}

/** The execution as IB corrects it: the suffix after the last period one higher, the same shares at `price`. */
export function correctedView(view: ExecutionView, price: number): ExecutionView {
  return { ...view, execId: nextRevision(view.execId), price, avgPrice: price };
}

/** `0000e0d5.6577a1b8.01.01` -> `0000e0d5.6577a1b8.01.02` (hexadecimal, as wide as before). */
export function nextRevision(execId: string): string {
  const dot = execId.lastIndexOf('.');
  const suffix = execId.slice(dot + 1);
  const next = (Number.parseInt(suffix, 16) + 1).toString(16).padStart(suffix.length, '0');
  return `${execId.slice(0, dot)}.${next}`;
}

function reportFrames(ctx: GatewayContext, link: ClientLink, view: ExecutionView, firstSent: number, now: number): string[][] {
  const delay = ctx.faults.lateCommissionReports[view.contract.localSymbol ?? view.contract.symbol];
  if (delay === undefined) return [commissionReport(view)];
  if (delay === null) return [];
  const due = firstSent + delay;
  if (now >= due) return [commissionReport(view)];
  link.sendLater(due - now, () => [commissionReport(view)]);
  return [];
}

const firstSentByGateway = new WeakMap<GatewayContext, Map<string, number>>();

function firstSentAt(ctx: GatewayContext, execId: string): number {
  let times = firstSentByGateway.get(ctx);
  if (times === undefined) {
    times = new Map();
    firstSentByGateway.set(ctx, times);
  }
  const known = times.get(execId);
  if (known !== undefined) return known;
  const now = Date.now();
  times.set(execId, now);
  return now;
}
