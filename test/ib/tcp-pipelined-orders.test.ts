/**
 * Pipelined submission over TCP (issue 14): the IB adapter against the simulated gateway answering 50 ms late. The
 * orders leave at the pacing bucket's pace without waiting for each acknowledgement; every one is acknowledged,
 * none reaches IB twice, IB counts no pacing violation, and neither side meets a decoding error. Then the attack:
 * the gateway drops the connection in the middle of the batch. What is recorded says what the run knows (answered,
 * may have reached IB, not sent), the next run reconciles by orderRef, and no order reaches IB twice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/gateway/gateway.js';
import { ibJob } from './support/ib-job.js';
import { ACCOUNT, NOW, useIbHarness } from './support/ib-harness.js';
import { writeFileSync } from 'node:fs';

const h = useIbHarness();
const TICKERS = 24;
const LATENCY_MS = 50;

const symbolOf = (i: number): string => `T${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`;
const SYMBOLS = Array.from({ length: TICKERS }, (_, i) => symbolOf(i));

/** A cash account and TICKERS stocks; the gateway answers `LATENCY_MS` late, with `faults` added. */
function scenario(faults: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    account: ACCOUNT,
    cash: 1_000_000,
    quotes: Object.fromEntries(SYMBOLS.map((s, i) => [s, { bid: 49.99 + i, ask: 50.01 + i, last: 50 + i, close: 50 + i }])),
    contracts: Object.fromEntries(SYMBOLS.map((s) => [s, { minTick: 0.01, primaryExchange: 'NYSE' }])),
    fills: { partialFillProbability: 0 },
    gateway: { faults: { answerDelayMs: LATENCY_MS, pacingLimitPerSecond: 50, ...faults } },
  };
}

const WEIGHTS = Object.fromEntries(SYMBOLS.map((s) => [s, 0.9 / TICKERS]));
const ENV = { MAX_ORDERS_PER_RUN: '100', ORDER_STATUS_WINDOW_MS: '0', IB_TIMEOUT_MS: '3000' };

interface Started {
  gateway: RunningGateway;
  /** The gateway's frames, both directions, in the order they crossed the socket. */
  frames: string[];
}

/** IB's clock: keeps time with the run's (a run halts on CLOCK_SKEW otherwise). */
let ibNow = NOW;

/** A gateway on the account kept in `<dir>/<name>` (a gateway started again on it serves the same account). */
async function gatewayWith(faults: Record<string, unknown> = {}, name = 'gateway'): Promise<Started> {
  const scenarioFile = join(h.dir, `${name}.json`);
  writeFileSync(scenarioFile, JSON.stringify(scenario(faults)));
  const frames: string[] = [];
  const gateway = await startGateway({
    port: 0,
    dataDir: join(h.dir, name),
    scenarioFile,
    now: () => ibNow,
    logFrames: (l) => frames.push(l),
  });
  return { gateway, frames };
}

function sqlite<T>(sql: string): T[] {
  const db = new Database(join(h.dir, 'data', 'rebalancer.sqlite'), { readonly: true });
  try {
    return db.prepare<[], T>(sql).all();
  } finally {
    db.close();
  }
}

/** IB messages with code 505 (a frame the client could not decode) in the run's log. */
function clientDecodeErrors(): string[] {
  return readFileSync(join(h.dir, 'logs', 'rebalancer.log'), 'utf8')
    .split('\n')
    .filter((l) => /"code":505\b/.test(l));
}

/** orderRefs that reached the gateway more than once as new orders. */
function sentTwice(gateway: RunningGateway): string[] {
  const refs = gateway
    .placedOrders()
    .filter((o) => o.modification !== true)
    .map((o) => o.orderRef);
  return refs.filter((r, i) => refs.indexOf(r) !== i);
}

describe('pipelined orders over TCP, the gateway answering 50 ms late', () => {
  it('every order is acknowledged once, without waiting for each answer; no pacing violation, no decoding error', async () => {
    ibNow = NOW;
    const { gateway, frames } = await gatewayWith();
    try {
      const run = await ibJob(h.dir, gateway, NOW, { asOf: NOW, weights: WEIGHTS, env: ENV });
      expect(run.code, run.out).toBe(0);
      const placed = gateway.placedOrders();
      expect(placed.map((o) => o.symbol).sort()).toEqual([...SYMBOLS].sort());
      expect(sentTwice(gateway)).toEqual([]);
      const stats = gateway.stats();
      expect(stats.pacingViolations).toBe(0);
      expect(stats.decodeErrors).toEqual([]);
      expect(clientDecodeErrors()).toEqual([]);
      // Every order recorded with IB's ids, none failed or left unsent.
      const rows = sqlite<{ symbol: string; status: string; broker_order_id: number | null }>(
        'SELECT symbol, status, broker_order_id FROM orders ORDER BY id',
      );
      expect(rows).toHaveLength(TICKERS);
      for (const row of rows) {
        expect(['PreSubmitted', 'Submitted', 'Filled']).toContain(row.status);
        expect(row.broker_order_id).toBeGreaterThan(0);
      }
      // Pipelined: more than one order reached the gateway before its first answer to an order left it.
      const firstOrder = frames.findIndex((f) => f.startsWith('<- 3 '));
      const firstAnswer = frames.findIndex((f, i) => i > firstOrder && /^-> (5|3) /.test(f));
      const ordersBeforeFirstAnswer = frames.slice(0, firstAnswer).filter((f) => f.startsWith('<- 3 ')).length;
      expect(ordersBeforeFirstAnswer).toBeGreaterThanOrEqual(2);
    } finally {
      await gateway.close();
    }
  });

  it('the gateway drops the connection mid-batch: the run fails closed; every intent is settled or left for the next run, which reconciles by orderRef; no order twice', async () => {
    ibNow = NOW;
    const cutGateway = await gatewayWith({ dropConnectionAfterOrders: 8 }, 'gateway-drop');
    let gateway = cutGateway.gateway;
    try {
      const cut = await ibJob(h.dir, gateway, NOW, { asOf: NOW, weights: WEIGHTS, env: ENV });
      expect(cut.code, cut.out).toBe(1);
      expect(cut.out).toMatch(/dropped during the run; nothing is resent/);
      expect(gateway.placedOrders()).toHaveLength(8);
      const afterCut = sqlite<{ order_ref: string; symbol: string; status: string; message: string | null }>(
        'SELECT order_ref, symbol, status, message FROM orders ORDER BY id',
      );
      // Every intent of the batch was recorded before the first order left.
      expect(afterCut).toHaveLength(TICKERS);
      // What the run knows of each: answered by IB, may have reached IB (left, no answer), or never left.
      const atGateway = new Set(gateway.placedOrders().map((o) => o.orderRef));
      for (const row of afterCut) {
        if (['PreSubmitted', 'Submitted', 'Filled'].includes(row.status)) expect(atGateway.has(row.order_ref)).toBe(true);
        else if (row.status === 'SendFailed') expect(row.message).toMatch(/may have reached the broker/);
        else expect(row).toMatchObject({ status: 'NotSent', message: expect.stringMatching(/^not sent: /) });
      }
      // An order IB has is never recorded as not sent.
      expect(afterCut.filter((r) => r.status === 'NotSent' && atGateway.has(r.order_ref))).toEqual([]);
      expect(afterCut.filter((r) => r.status === 'Intent')).toEqual([]);

      // The gateway comes back on the same account, without the fault.
      const placedBefore = gateway.placedOrders();
      await gateway.close();
      gateway = (await gatewayWith({}, 'gateway-drop')).gateway;
      ibNow = '2026-11-23T16:00:00Z';
      const next = await ibJob(h.dir, gateway, ibNow, { asOf: NOW, weights: WEIGHTS, env: ENV });
      expect(next.code, next.out).toBe(0);
      const placedAfter = gateway.placedOrders();
      const refs = [...placedBefore, ...placedAfter].filter((o) => o.modification !== true).map((o) => o.orderRef);
      expect(refs.filter((r, i) => refs.indexOf(r) !== i)).toEqual([]);
      const firstRun = sqlite<{ order_ref: string; status: string; broker_order_id: number | null; reconciled_at: string | null }>(
        `SELECT order_ref, status, broker_order_id, reconciled_at FROM orders WHERE order_ref IN (${afterCut.map((r) => `'${r.order_ref}'`).join(',')})`,
      );
      // Reconciled: what IB has carries IB's ids and status; what it never had is NotSent, or SendFailed looked up and
      // not found; nothing is left to look up.
      for (const row of firstRun) {
        if (atGateway.has(row.order_ref)) {
          expect(row.broker_order_id).toBeGreaterThan(0);
          expect(['PreSubmitted', 'Submitted', 'Filled']).toContain(row.status);
        } else if (row.status === 'SendFailed') expect(row.reconciled_at).not.toBeNull();
        else expect(row.status).toBe('NotSent');
      }
      // The tickers the first run did not reach are bought by the next, each once; none of the first run's 8 twice.
      const bought = [...placedBefore, ...placedAfter].filter((o) => o.modification !== true).map((o) => o.symbol);
      expect([...bought].sort()).toEqual([...SYMBOLS].sort());
      expect(gateway.stats().pacingViolations).toBe(0);
      expect(gateway.stats().decodeErrors).toEqual([]);
      expect(clientDecodeErrors()).toEqual([]);
    } finally {
      await gateway.close();
    }
  });
});
