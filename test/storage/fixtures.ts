import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerOrder, Execution, OrderRequest, PlanLine } from '../../src/core/types.js';
import type { PositionRecord, SnapshotRecord } from '../../src/ports/store.js';

/** A fresh temporary directory per test; `cleanup` removes it (registered with afterEach by the caller). */
export async function makeTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rebalancer-storage-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * True when file permissions do not stop this process from writing (root, or some CI containers):
 * probe by making a directory read-only and trying to create a file in it.
 */
export async function permissionsAreIgnored(dir: string): Promise<boolean> {
  const { chmod, mkdir } = await import('node:fs/promises');
  const probe = join(dir, 'probe');
  await mkdir(probe);
  await chmod(probe, 0o555);
  try {
    await writeFile(join(probe, 'x'), 'x');
    return true;
  } catch {
    return false;
  } finally {
    await chmod(probe, 0o755);
  }
}

export function anOrder(over: Partial<OrderRequest> = {}): OrderRequest {
  return {
    orderRef: 'rb:run-1:AAPL',
    symbol: 'AAPL',
    action: 'BUY',
    quantity: 10,
    limitPrice: 190.05,
    adaptivePriority: 'Normal',
    primaryExchange: 'NASDAQ',
    currency: 'USD',
    ...over,
  };
}

export function aBrokerOrder(over: Partial<BrokerOrder> = {}): BrokerOrder {
  return {
    brokerOrderId: 101,
    permId: 9001,
    orderRef: 'rb:run-1:AAPL',
    symbol: 'AAPL',
    action: 'BUY',
    quantity: 10,
    limitPrice: 190.05,
    status: 'Submitted',
    filledQuantity: 0,
    avgFillPrice: 0,
    ...over,
  };
}

export function anExecution(over: Partial<Execution> = {}): Execution {
  return {
    execId: '0000e0d5.6565a1b2.01.01',
    brokerOrderId: 101,
    permId: 9001,
    orderRef: 'rb:run-1:AAPL',
    symbol: 'AAPL',
    side: 'BUY',
    quantity: 10,
    price: 190.01,
    commission: 1,
    time: '2026-11-20T15:31:02.000Z',
    ...over,
  };
}

export function aSnapshot(over: Partial<SnapshotRecord> = {}): SnapshotRecord {
  return {
    netLiquidation: 100_000,
    cash: 81_000,
    grossPositionValue: 19_000,
    leverage: 0.19,
    maintMargin: 4_750,
    excessLiquidity: 95_250,
    cushion: 0.9525,
    currency: 'USD',
    ...over,
  };
}

export function aPosition(over: Partial<PositionRecord> = {}): PositionRecord {
  return {
    symbol: 'AAPL',
    quantity: 100,
    avgCost: 150,
    marketPrice: 190,
    marketValue: 19_000,
    weight: 0.19,
    targetWeight: 0.4,
    ...over,
  };
}

export function aPlanLine(over: Partial<PlanLine> = {}): PlanLine {
  return {
    symbol: 'AAPL',
    action: 'BUY',
    quantity: 110,
    currentQuantity: 100,
    targetQuantity: 210,
    referencePrice: 190,
    limitPrice: 190.09,
    tradeValue: 20_900,
    targetValue: 40_000,
    targetWeight: 0.4,
    currentWeight: 0.19,
    estimatedCommission: 1,
    estimatedSpreadCost: 2.2,
    managed: true,
    reason: 'below target by 110 shares',
    ...over,
  };
}
