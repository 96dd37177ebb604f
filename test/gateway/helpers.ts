import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventName, IBApi, IBApiNext, type IBApiNextError } from '@stoqey/ib';
import { afterEach, expect } from 'vitest';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../src/gateway/gateway.js';

/**
 * Test helpers: a gateway on an ephemeral port with its own data directory, and @stoqey/ib clients that
 * record every error. The client's Decoder is the oracle of the wire format: any 505 (underrun, unprocessed
 * fields, unknown message) it reports fails the test that caused it, through the afterEach below.
 */

/** Wednesday 2026-11-18, 12:00 New York: inside the regular session. */
export const MIDDAY = '2026-11-18T17:00:00Z';

export const BASE_SCENARIO = {
  account: 'DU1234567',
  currency: 'USD',
  cash: 100_000,
  positions: { AAPL: { quantity: 100, avgCost: 150 } },
  quotes: {
    AAPL: { bid: 189.98, ask: 190.02, last: 190.0, close: 188.5 },
    MSFT: { bid: 419.9, ask: 420.1, last: 420.0, close: 418.0 },
    SPY: { bid: 559.99, ask: 560.01, last: 560.0, close: 555.0 },
  },
  contracts: { AAPL: { primaryExchange: 'NASDAQ' }, MSFT: { primaryExchange: 'NASDAQ' }, SPY: { primaryExchange: 'ARCA' } },
  fills: { partialFillProbability: 0 },
};

export interface ClientError {
  code: number;
  reqId: number;
  message: string;
}

/** Errors and notices a client saw; `decodeErrors` are the 505s of its Decoder. */
export interface TrackedClient {
  api: IBApi;
  errors: ClientError[];
  infos: { code: number; message: string }[];
  nextValidId: number;
}

const decodeErrors: string[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  const seen = decodeErrors.splice(0);
  expect(seen, 'the client Decoder reported 505 errors').toEqual([]);
});

/** Starts a gateway on an ephemeral port over a fresh data directory (or `dataDir`); stopped after the test. */
export async function startTestGateway(
  scenario: object | undefined = BASE_SCENARIO,
  options: Partial<GatewayOptions> = {},
): Promise<{ gateway: RunningGateway; dir: string; scenarioFile?: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-test-'));
  let scenarioFile: string | undefined;
  if (scenario !== undefined) {
    scenarioFile = join(dir, 'scenario.json');
    await writeFile(scenarioFile, JSON.stringify(scenario));
  }
  const gateway = await startGateway({ port: 0, dataDir: join(dir, 'data'), scenarioFile, now: MIDDAY, ...options });
  cleanups.push(async () => {
    await gateway.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { gateway, dir, scenarioFile };
}

/** Registers a cleanup to run after the test (before the 505 check). */
export function onCleanup(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** Records a client's 505s for the afterEach check. Call for every client a test creates. */
export function watchDecodeErrors(api: IBApi): void {
  api.on(EventName.error, (err: Error, code: number) => {
    if (code === 505) decodeErrors.push(err.message);
  });
}

/** An IBApi client connected to the gateway, after nextValidId (so its command queue runs). */
export async function connectClient(port: number, clientId: number, maxReqPerSec?: number): Promise<TrackedClient> {
  const api = new IBApi({ host: '127.0.0.1', port, clientId, maxReqPerSec });
  const client: TrackedClient = { api, errors: [], infos: [], nextValidId: -1 };
  watchDecodeErrors(api);
  api.on(EventName.error, (err: Error, code: number, reqId: number) => client.errors.push({ code, reqId, message: err.message }));
  api.on(EventName.info, (message: string, code: number) => client.infos.push({ code, message }));
  const ready = once<[number]>(api, EventName.nextValidId);
  api.connect();
  [client.nextValidId] = await ready;
  cleanups.push(async () => {
    if (api.isConnected) api.disconnect();
  });
  return client;
}

/** IBApi's listener methods without their per-event overloads, for helpers generic over the event. */
interface Emitter {
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}
const emitter = (api: IBApi): Emitter => api as unknown as Emitter;

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** An IBApiNext client (the adapter's likely peer), its errors recorded; disconnected after the test. */
export function connectNext(port: number, clientId: number): { ib: IBApiNext; errors: IBApiNextError[] } {
  const ib = new IBApiNext({ host: '127.0.0.1', port, reconnectInterval: 0, logger: silent });
  const errors: IBApiNextError[] = [];
  ib.error.subscribe((e) => {
    errors.push(e);
    if (e.code === 505) decodeErrors.push(e.error.message);
  });
  ib.connect(clientId);
  cleanups.push(async () => {
    ib.disconnect();
  });
  return { ib, errors };
}

/** The arguments of the next `event` that satisfies `accept`; rejects after `timeoutMs`. */
export function once<A extends unknown[]>(
  api: IBApi,
  event: EventName,
  accept: (...args: A) => boolean = () => true,
  timeoutMs = 5000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      if (!accept(...(args as A))) return;
      clearTimeout(timer);
      emitter(api).off(event, listener);
      resolve(args as A);
    };
    const timer = setTimeout(() => {
      emitter(api).off(event, listener);
      reject(new Error(`no ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    emitter(api).on(event, listener);
  });
}

/** Every `item` event until `end` (both filtered by `accept` on their arguments), as argument lists. */
export async function collect<A extends unknown[]>(
  api: IBApi,
  item: EventName,
  end: EventName,
  send: () => void,
  accept: (...args: unknown[]) => boolean = () => true,
): Promise<A[]> {
  const items: A[] = [];
  const listener = (...args: unknown[]) => {
    if (accept(...args)) items.push(args as A);
  };
  emitter(api).on(item, listener);
  const done = once(api, end, accept);
  send();
  try {
    await done;
  } finally {
    emitter(api).off(item, listener);
  }
  return items;
}

/**
 * The stream shape of IBApiNext's observables (rxjs is the client library's dependency, not ours). The
 * callback form of subscribe is the overload TypeScript infers the value type from.
 */
interface Stream<T> {
  subscribe(next: (value: T) => void, error: (err: unknown) => void): { unsubscribe(): void };
}

/** The first value of an IBApiNext stream, then unsubscribes (as the adapter's one-shot reads do). */
export function firstValue<T>(stream: Stream<T>, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => finish(() => reject(new Error(`no value within ${timeoutMs} ms`))), timeoutMs);
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      queueMicrotask(() => subscription.unsubscribe());
      settle();
    };
    const subscription = stream.subscribe(
      (value) => finish(() => resolve(value)),
      (err) => finish(() => reject(err)),
    );
  });
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `check` passes (polling), or fails with its last error after `timeoutMs`. */
export async function eventually(check: () => void, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() - start > timeoutMs) throw err;
      await sleep(20);
    }
  }
}
