/**
 * `rebalancer plan` and `rebalancer run --dry-run` share one pipeline (gather, decide): for the same inputs they
 * give the same lines, the same breaches and the same answer to "may orders go out now?", including when the
 * broker's liquid hours close a day our NYSE calendar has open.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimBroker } from '../../src/adapters/sim/sim-broker.js';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import type { ContractHint, ContractInfo } from '../../src/core/types.js';
import { previewPlan, planJson } from '../../src/run/preview-plan.js';
import { hourlyRun, testPreviewPorts, testSettings } from '../support/run-harness.js';
import { simWorkspace, writeWeights, type SimWorkspace } from '../support/sim-workspace.js';

/** The sim broker, with IB-style liquid hours on every contract: Monday 23 November 2026 closed, Tuesday open. */
class ClosedMondayBroker extends SimBroker {
  override async contractDetails(symbols: string[], hints: Record<string, ContractHint>): Promise<Record<string, ContractInfo>> {
    const details = await super.contractDetails(symbols, hints);
    const hours = '20261123:CLOSED;20261124:0930-20261124:1600';
    return Object.fromEntries(Object.entries(details).map(([s, c]) => [s, { ...c, timeZone: 'US/Eastern', liquidHours: hours }]));
  }
}

type BrokerFactory = (ws: SimWorkspace) => (dataDir: string, now: string) => SimBroker;
const plainSim: BrokerFactory = (ws) => (dataDir, now) =>
  new SimBroker({ dataDir, scenarioFile: ws.scenarioFile, now, commissionModel: 'fixed', readOnly: true });
const closedMonday: BrokerFactory = (ws) => (dataDir, now) =>
  new ClosedMondayBroker({ dataDir, scenarioFile: ws.scenarioFile, now, commissionModel: 'fixed', readOnly: true });

async function previewAndDryRun(factory: BrokerFactory, now: string) {
  const ws = simWorkspace();
  writeWeights(ws, now, { AAPL: 0.3, MSFT: 0.3, SPY: 0.3 });
  const db = openDatabase(join(ws.data, 'rebalancer.sqlite'));
  let preview;
  try {
    preview = await previewPlan(testPreviewPorts(ws.root, factory(ws)(ws.data, now), new SqliteStore(db)), testSettings(), now);
  } finally {
    db.close();
  }
  const dryRun = await hourlyRun(ws.root, now, { broker: factory(ws), dryRun: true });
  return { preview, dryRun };
}

describe('plan and run --dry-run', () => {
  it('give the same lines and both say orders may go out on a normal session day', async () => {
    const { preview, dryRun } = await previewAndDryRun(plainSim, '2026-11-23T15:35:00Z');
    expect(preview.plan?.lines.some((l) => l.action === 'BUY')).toBe(true);
    expect(preview.plan?.lines).toEqual(dryRun.plan?.lines);
    expect(preview.breaches).toEqual(dryRun.plan?.breaches);
    expect(preview.marketOpen).toBe(true);
    expect(dryRun.marketOpen).toBe(true);
    expect(dryRun.sent).toEqual([]);
  });

  it("both follow the broker's liquid hours when they close a day the NYSE calendar has open", async () => {
    const { preview, dryRun } = await previewAndDryRun(closedMonday, '2026-11-23T15:35:00Z');
    expect(preview.plan?.lines).toEqual(dryRun.plan?.lines);
    expect(preview.marketOpen).toBe(false);
    expect(dryRun.marketOpen).toBe(false);
    expect(dryRun.status).toBe('skipped');
    expect(planJson(preview)).toMatchObject({ marketOpen: false, nextOpen: '2026-11-24T14:30:00Z' });
    expect(preview.sessionWarnings.join('\n')).toMatch(/disagree with our calendar on 2026-11-23/);
  });

  it('both trade on the next day the liquid hours open', async () => {
    const { preview, dryRun } = await previewAndDryRun(closedMonday, '2026-11-24T15:35:00Z');
    expect(preview.plan?.lines).toEqual(dryRun.plan?.lines);
    expect(preview.marketOpen).toBe(true);
    expect(dryRun.marketOpen).toBe(true);
  });
});
