import type { IBApi } from '@stoqey/ib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runOperation, type OperationHost } from '../../src/adapters/ib/ib-operation.js';
import { BrokerError } from '../../src/ports/broker.js';

/** A hand-written session stand-in: records sends, lets the test deliver routed messages and failures. */
class StubHost implements OperationHost {
  sent: number[] = [];
  routes = new Set<(code: number, text: string) => void>();
  failures = new Set<(error: BrokerError) => void>();
  sendError: BrokerError | undefined;

  track(route: (code: number, text: string) => void): () => void {
    this.routes.add(route);
    return () => this.routes.delete(route);
  }

  onFailure(reject: (error: BrokerError) => void): () => void {
    this.failures.add(reject);
    return () => this.failures.delete(reject);
  }

  async send(action: (api: IBApi) => void): Promise<void> {
    if (this.sendError) throw this.sendError;
    action({} as IBApi);
  }

  deliver(code: number, text: string): void {
    for (const route of [...this.routes]) route(code, text);
  }

  fail(error: BrokerError): void {
    for (const reject of [...this.failures]) reject(error);
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('runOperation', () => {
  it('sends once, resolves once, and releases its routes and failure hook', async () => {
    const host = new StubHost();
    let resolveIt: ((v: string) => void) | undefined;
    const op = runOperation<string>(
      { label: 'thing', timeoutMs: 1000, send: (_api, id) => host.sent.push(id), listen: (ctx) => ((resolveIt = ctx.resolve), []) },
      2_000_000_000,
      host,
    );
    await vi.advanceTimersByTimeAsync(0);
    resolveIt?.('done');
    resolveIt?.('twice');
    await expect(op).resolves.toBe('done');
    expect(host.sent).toEqual([2_000_000_000]);
    expect(host.routes.size + host.failures.size).toBe(0);
  });

  it('rejects with kind timeout when nothing answers, and the timer starts when the request leaves', async () => {
    const host = new StubHost();
    const op = runOperation({ label: 'account summary', timeoutMs: 500, send: () => undefined }, 2_000_000_001, host);
    const seen = expect(op).rejects.toMatchObject({
      kind: 'timeout',
      requestId: 2_000_000_001,
      message: 'account summary: no answer from IB within 500 ms',
    });
    await vi.advanceTimersByTimeAsync(499);
    expect(host.routes.size).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await seen;
  });

  it('ignores notices and rejects on any other routed code, as rejected for orders and fatal for requests', async () => {
    const host = new StubHost();
    const order = runOperation({ label: 'order 7', orderId: 7, timeoutMs: 1000, send: () => undefined }, 7, host);
    await vi.advanceTimersByTimeAsync(0);
    host.deliver(399, 'Order Message: held until open');
    host.deliver(201, 'Order rejected - reason: margin');
    await expect(order).rejects.toMatchObject({ kind: 'rejected', code: 201, requestId: 7 });
    const request = runOperation({ label: 'contract details of XYZ', timeoutMs: 1000, send: () => undefined }, 2_000_000_002, host);
    await vi.advanceTimersByTimeAsync(0);
    host.deliver(2104, 'farm OK');
    host.deliver(322, 'Error processing request');
    await expect(request).rejects.toMatchObject({ kind: 'fatal', code: 322 });
  });

  it('rejects with the session failure, and sends nothing when the session failed before its turn', async () => {
    const host = new StubHost();
    const pending = runOperation({ label: 'positions', timeoutMs: 1000, send: () => undefined }, 2_000_000_003, host);
    await vi.advanceTimersByTimeAsync(0);
    host.fail(new BrokerError('connection dropped', 'connectivity'));
    await expect(pending).rejects.toMatchObject({ kind: 'connectivity' });
    host.sendError = new BrokerError('connection dropped', 'connectivity');
    const later = runOperation({ label: 'positions', timeoutMs: 1000, send: () => host.sent.push(1) }, 2_000_000_004, host);
    await expect(later).rejects.toMatchObject({ kind: 'connectivity' });
    expect(host.sent).toEqual([]);
  });

  it('lets an operation decide what a timeout means (a cancel resolves unconfirmed)', async () => {
    const host = new StubHost();
    const op = runOperation<string>(
      { label: 'cancel', orderId: 9, timeoutMs: 100, send: () => undefined, onTimeout: (ctx) => ctx.resolve('unconfirmed') },
      9,
      host,
    );
    await vi.advanceTimersByTimeAsync(100);
    await expect(op).resolves.toBe('unconfirmed');
  });

  it('only listens when it sends nothing, timing from the start', async () => {
    const host = new StubHost();
    const op = runOperation<string>(
      { label: 'window', timeoutMs: 50, onTimeout: (ctx) => ctx.resolve('window over') },
      2_000_000_005,
      host,
    );
    await vi.advanceTimersByTimeAsync(50);
    await expect(op).resolves.toBe('window over');
    expect(host.sent).toEqual([]);
  });
});
