/**
 * Shared harness of the IB adapter tests over TCP: a temporary directory, simulated gateways started on a
 * free loopback port from scenario files written by the test, IB brokers pointed at them, and the rule that
 * any decoding error (code 505) seen by the client fails the test it happens in.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { IbBroker, type IbBrokerOptions } from '../../../src/adapters/ib/ib-broker.js';
import type { IbClientMessage } from '../../../src/adapters/ib/ib-session.js';
import { BrokerError } from '../../../src/ports/broker.js';
import { SqliteContractCache } from '../../../src/adapters/sqlite/sqlite-contract-cache.js';
import { startGateway } from '../../../src/gateway/gateway.js';
import { fourStocks } from '../../support/scenarios.js';
import { freePort } from '../../support/free-port.js';

export type Gateway = Awaited<ReturnType<typeof startGateway>>;

/** Monday 23 November 2026, 10:00 in New York: the session is open. */
export const NOW = '2026-11-23T15:00:00Z';
export const ACCOUNT = 'DU1234567';
export const CLIENT_ID = 17;

/** A small account: cash, one position, quotes and contracts for four stocks. */
export function baseScenario(): Record<string, unknown> {
  return fourStocks(ACCOUNT);
}

export interface Harness {
  readonly dir: string;
  /** Every client message with code 505 seen in this test (checked after it). */
  readonly decodeErrors: IbClientMessage[];
  /** Every client message seen in this test. */
  readonly messages: IbClientMessage[];
  gateway(scenario?: Record<string, unknown>, options?: { now?: string | (() => string); dataDir?: string }): Promise<Gateway>;
  broker(port: number, overrides?: Partial<IbBrokerOptions>): IbBroker;
  /** A loopback port nothing listens on. */
  freePort(): Promise<number>;
}

export function useIbHarness(): Harness {
  let dir = '';
  const gateways: Gateway[] = [];
  const brokers: IbBroker[] = [];
  const decodeErrors: IbClientMessage[] = [];
  const messages: IbClientMessage[] = [];
  const onClientError = (message: IbClientMessage): void => {
    messages.push(message);
    if (message.code === 505) decodeErrors.push(message);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ib-adapter-'));
    decodeErrors.length = 0;
    messages.length = 0;
  });

  afterEach(async () => {
    for (const broker of brokers.splice(0)) await broker.disconnect();
    const gatewayProblems = gateways.flatMap((g) => g.stats().decodeErrors);
    for (const gateway of gateways.splice(0)) await gateway.close();
    rmSync(dir, { recursive: true, force: true });
    expect(
      decodeErrors.map((m) => m.text),
      'decoding errors (505) seen by the client',
    ).toEqual([]);
    expect(gatewayProblems, 'messages the gateway could not decode').toEqual([]);
  });

  let scenarios = 0;
  return {
    get dir() {
      return dir;
    },
    decodeErrors,
    messages,
    async gateway(scenario = baseScenario(), options = {}) {
      scenarios += 1;
      const scenarioFile = join(dir, `scenario-${scenarios}.json`);
      writeFileSync(scenarioFile, JSON.stringify(scenario));
      const gateway = await startGateway({
        port: 0,
        dataDir: options.dataDir ?? join(dir, `gateway-${scenarios}`),
        scenarioFile,
        now: options.now ?? NOW,
      });
      gateways.push(gateway);
      return gateway;
    },
    broker(port, overrides = {}) {
      const broker = new IbBroker({
        host: '127.0.0.1',
        port,
        clientId: CLIENT_ID,
        account: ACCOUNT,
        timeoutMs: 3000,
        connectRetries: 0,
        connectBackoffMs: 20,
        cancelTimeoutMs: 3000,
        marketDataType: 'live',
        marketDataLines: 100,
        marketDataTimeoutMs: 2000,
        contractCache: new SqliteContractCache(join(dir, 'rebalancer.sqlite')),
        now: () => NOW,
        onClientError,
        ...overrides,
      });
      brokers.push(broker);
      return broker;
    },
    freePort,
  };
}

/** The BrokerError a promise rejects with (fails the test when it resolves or throws something else). */
export async function brokerErrorOf(promise: Promise<unknown>): Promise<BrokerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BrokerError) return error;
    throw error;
  }
  throw new Error('expected a BrokerError, but the call succeeded');
}
