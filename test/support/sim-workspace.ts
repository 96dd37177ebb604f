/**
 * A workspace for runs on the `sim` broker with a scenario (static quotes, so a test knows which orders fill),
 * and the means to play what a test needs between runs: a run killed between sending and recording, a trade
 * made by hand at the broker. Everything is real: SQLite files, the sim broker's state file, the outbox.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SimBroker } from '../../src/adapters/sim/sim-broker.js';
import { loadState, saveState } from '../../src/sim/state-file.js';
import type { SimOrder, SimState } from '../../src/sim/sim-state.js';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { tradingDayOf } from '../../src/core/session.js';
import type { OrderRequest } from '../../src/core/types.js';
import type { RunResult, RunSettings } from '../../src/run/rebalance-run.js';
import { newRunId, orderRefFor } from '../../src/run/run-id.js';
import { writeForecast } from './cli.js';
import { hourlyRun } from './run-harness.js';
import { fourStocks } from './scenarios.js';

/** Monday 23 November 2026, 09:35 New York, and every hour after it (the session closes at 21:00Z). */
export const HOURS = [14, 15, 16, 17, 18, 19, 20].map((h) => `2026-11-23T${h}:35:00Z`);

export function simScenario(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fourStocks('DU0000001'), fills: { partialFillProbability: 0 }, ...overrides };
}

export interface SimWorkspace {
  root: string;
  data: string;
  forecasts: string;
  scenarioFile: string;
}

export function simWorkspace(scenario: Record<string, unknown> = simScenario()): SimWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'rebalancer-reconcile-'));
  const ws = { root, data: join(root, 'data'), forecasts: join(root, 'forecasts'), scenarioFile: join(root, 'scenario.json') };
  mkdirSync(ws.forecasts);
  writeFileSync(ws.scenarioFile, JSON.stringify(scenario));
  return ws;
}

export function simBrokerOf(ws: SimWorkspace, readOnly = false): (dataDir: string, now: string) => SimBroker {
  return (dataDir, now) => new SimBroker({ dataDir, scenarioFile: ws.scenarioFile, now, commissionModel: 'fixed', readOnly });
}

/** The strategy writes its weights, dated now. */
export function writeWeights(ws: SimWorkspace, now: string, weights: Record<string, number>): void {
  writeForecast(ws.forecasts, 'trend.json', { strategy: 'trend', asOf: now, leverage: 1, weights });
}

/** One hourly run with the workspace's scenario, as the job builds it. */
export function runAt(
  ws: SimWorkspace,
  now: string,
  settings: Partial<RunSettings> = {},
  out?: (...lines: string[]) => void,
): Promise<RunResult> {
  return hourlyRun(ws.root, now, { broker: simBrokerOf(ws), settings, out });
}

/**
 * A run killed at the worst moment: it recorded its intent, and (with `send`) sent the order, and died before
 * recording it as sent. Its run record stays 'running', as a kill -9 leaves it.
 */
export async function runKilledAfterIntent(
  ws: SimWorkspace,
  now: string,
  request: Omit<OrderRequest, 'orderRef'>,
  send: boolean,
): Promise<{ runId: string; orderRef: string }> {
  const db = openDatabase(join(ws.data, 'rebalancer.sqlite'));
  try {
    const store = new SqliteStore(db);
    const runId = newRunId(now);
    store.startRun({ runId, startedAt: now, tradingDay: tradingDayOf(now), dryRun: false });
    const orderRef = orderRefFor(runId, request.symbol);
    store.recordOrderIntent(runId, { ...request, orderRef }, now);
    if (send) {
      const broker = simBrokerOf(ws)(ws.data, now);
      await broker.connect();
      await broker.placeOrder({ ...request, orderRef });
      await broker.disconnect();
    }
    return { runId, orderRef };
  } finally {
    db.close();
  }
}

/** The sim broker's account as persisted (what "IB" has). */
export function simState(ws: SimWorkspace): SimState {
  const state = loadState(ws.data);
  if (state === undefined) throw new Error('no simulator state yet');
  return state;
}

export function simOrdersWithRef(ws: SimWorkspace, orderRef: string): SimOrder[] {
  return simState(ws).orders.filter((o) => o.orderRef === orderRef);
}

/** A trade made by hand at the broker, outside the system: the position moves, cash pays for it. */
export function tradeByHand(ws: SimWorkspace, symbol: string, quantity: number, price: number): void {
  const state = simState(ws);
  const pos = state.positions[symbol] ?? { quantity: 0, avgCost: price, realizedPnl: 0 };
  state.positions[symbol] = { ...pos, quantity: pos.quantity + quantity, avgCost: pos.avgCost || price };
  state.cash -= quantity * price;
  saveState(ws.data, state);
}

export interface Records {
  runs: { id: string; status: string; exit_code: number | null; error: string | null }[];
  orders: {
    run_id: string;
    order_ref: string;
    symbol: string;
    status: string;
    broker_order_id: number | null;
    perm_id: number | null;
    filled_quantity: number;
    message: string | null;
  }[];
  fills: { exec_id: string; order_ref: string; symbol: string; quantity: number }[];
  breaches: { run_id: string; code: string; symbol: string | null; detail: string }[];
  adjustments: { symbol: string; kind: string; quantity: number; reason: string; run_id: string | null; source: string }[];
}

export function records(ws: SimWorkspace): Records {
  const db = new Database(join(ws.data, 'rebalancer.sqlite'), { readonly: true });
  try {
    const all = <T>(sql: string): T[] => db.prepare(sql).all() as T[];
    return {
      runs: all('SELECT id, status, exit_code, error FROM runs ORDER BY started_at, rowid'),
      orders: all('SELECT run_id, order_ref, symbol, status, broker_order_id, perm_id, filled_quantity, message FROM orders ORDER BY id'),
      fills: all('SELECT exec_id, order_ref, symbol, quantity FROM fills ORDER BY time, rowid'),
      breaches: all('SELECT run_id, code, symbol, detail FROM breaches ORDER BY id'),
      adjustments: all('SELECT symbol, kind, quantity, reason, run_id, source FROM ledger_adjustments ORDER BY id'),
    };
  } finally {
    db.close();
  }
}

/** The emails written to the outbox (no SMTP server in these tests), subject first, quoted-printable decoded. */
export function outbox(ws: SimWorkspace): string[] {
  const dir = join(ws.data, 'outbox');
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.eml'))
      .sort();
  } catch {
    return [];
  }
  return files.map((f) =>
    readFileSync(join(dir, f), 'utf8')
      .replace(/\r\n[ \t]+/g, ' ')
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
  );
}
