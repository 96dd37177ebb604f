import { describe, expect, it } from 'vitest';
import type { ContractInfo } from '../../src/core/types.js';
import { baseScenario, useIbHarness } from './support/ib-harness.js';

const h = useIbHarness();

const withFaults = (faults: Record<string, unknown>) => ({ ...baseScenario(), gateway: { faults } });

describe('IB adapter over TCP: contract details', () => {
  it('reads STK/SMART/USD contracts with conId, tick, primary exchange, zone and hours', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    const found = await broker.contractDetails(['AAPL', 'SPY'], { SPY: { primaryExchange: 'ARCA' } });
    expect(Object.keys(found).sort()).toEqual(['AAPL', 'SPY']);
    expect(found.AAPL).toMatchObject({ symbol: 'AAPL', minTick: 0.01, primaryExchange: 'NASDAQ', currency: 'USD' });
    expect(found.SPY).toMatchObject({ symbol: 'SPY', primaryExchange: 'ARCA' });
    for (const info of Object.values(found)) {
      expect(info.conId).toBeGreaterThan(0);
      expect(info.timeZone).toBeTruthy();
      expect(info.liquidHours).toMatch(/^\d{8}:\d{4}-\d{8}:\d{4}/);
      expect(info.tradingHours).toBeTruthy();
    }
  });

  it('serves a second run from the SQLite cache without asking IB, and asks again after a day', async () => {
    const gateway = await h.gateway();
    const first = h.broker(gateway.port);
    await first.connect();
    const fetched = await first.contractDetails(['AAPL', 'MSFT'], {});
    await first.disconnect();

    const second = h.broker(gateway.port);
    await second.connect();
    const before = gateway.stats().messagesIn;
    expect(await second.contractDetails(['AAPL', 'MSFT'], {})).toEqual(fetched);
    expect(gateway.stats().messagesIn).toBe(before);
    await second.disconnect();

    const dayLater = h.broker(gateway.port, { now: () => '2026-11-24T15:00:01Z' });
    await dayLater.connect();
    const beforeRefresh = gateway.stats().messagesIn;
    expect(await dayLater.contractDetails(['AAPL', 'MSFT'], {})).toEqual(fetched);
    // Two contract requests and one market rule (both listings carry IB's rule 26, asked once per session).
    expect(gateway.stats().messagesIn).toBe(beforeRefresh + 3);
  });

  it('leaves out a symbol IB does not know (200), so the run blocks it with MISSING_PRICE', async () => {
    const gateway = await h.gateway(withFaults({ unknownContracts: ['MSFT'] }));
    const broker = h.broker(gateway.port);
    await broker.connect();
    const found = await broker.contractDetails(['AAPL', 'MSFT', 'NOPE'], {});
    expect(Object.keys(found)).toEqual(['AAPL']);
    expect(h.messages.filter((m) => m.code === 200).length).toBeGreaterThanOrEqual(1);
    // The session is still usable.
    expect((await broker.positions('DU1234567')).length).toBe(1);
  });
});

describe("IB adapter over TCP: the broker's reason for each symbol it leaves out", () => {
  it("says why a contract is left out: IB's text and code (200), and the share-class spelling for a ticker with a dot", async () => {
    const gateway = await h.gateway(withFaults({ unknownContracts: ['MSFT'] }));
    const broker = h.broker(gateway.port);
    await broker.connect();
    const leftOut: Record<string, string> = {};
    const found = await broker.contractDetails(['AAPL', 'BRK.B', 'MSFT'], {}, leftOut);
    expect(Object.keys(found)).toEqual(['AAPL']);
    expect(Object.keys(leftOut).sort()).toEqual(['BRK.B', 'MSFT']);
    expect(leftOut['BRK.B']).toBe(
      'IB does not know this contract (IB 200: No security definition has been found for the request); ' +
        'IB writes share classes with a space: write "BRK B" in the forecast',
    );
    expect(leftOut.MSFT).toMatch(/\(IB 200: No security definition has been found for the request\); .*as IB spells it/);
    expect(leftOut.MSFT).not.toMatch(/share classes with a space: write/);
  });

  it("says why a contract IB lists is not used: not on the forecast's primary exchange", async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    const leftOut: Record<string, string> = {};
    expect(await broker.contractDetails(['AAPL'], { AAPL: { primaryExchange: 'NYSE' } }, leftOut)).toEqual({});
    expect(leftOut.AAPL).toMatch(/IB 200|not on NYSE/);
  });

  it('says why a quote is left out: no subscription (354) with the fix, a snapshot that never ended', async () => {
    const gateway = await h.gateway(withFaults({ noMarketDataPermission: ['MSFT'], noSnapshotEnd: ['SPY'] }));
    const broker = h.broker(gateway.port, { marketDataTimeoutMs: 400 });
    await broker.connect();
    const contracts = await broker.contractDetails(['AAPL', 'MSFT', 'SPY'], {});
    const leftOut: Record<string, string> = {};
    expect(Object.keys(await broker.quotes(['AAPL', 'MSFT', 'SPY', 'KO'], contracts, leftOut))).toEqual(['AAPL']);
    expect(leftOut.MSFT).toMatch(
      /^no market data subscription for this symbol \(IB 354: Requested market data is not subscribed\..*\); subscribe to its market data .*or set MARKET_DATA_TYPE=delayed/,
    );
    expect(leftOut.SPY).toBe('no snapshot end within 400 ms (MARKET_DATA_TIMEOUT_MS)');
    expect(leftOut.KO).toBe('no contract details');
  });
});

describe('IB adapter over TCP: quotes', () => {
  it('takes live snapshots: bid, ask, last and close, not delayed', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    const contracts = await broker.contractDetails(['AAPL', 'MSFT'], {});
    const quotes = await broker.quotes(['AAPL', 'MSFT'], contracts);
    expect(quotes).toEqual({
      AAPL: { symbol: 'AAPL', bid: 189.98, ask: 190.02, last: 190, close: 188.5 },
      MSFT: { symbol: 'MSFT', bid: 409.9, ask: 410.1, last: 410, close: 405 },
    });
  });

  it('takes delayed snapshots when asked for delayed data, and marks them delayed', async () => {
    const gateway = await h.gateway(withFaults({ delayedData: true }));
    const broker = h.broker(gateway.port, { marketDataType: 'delayed' });
    await broker.connect();
    const contracts = await broker.contractDetails(['AAPL'], {});
    const quotes = await broker.quotes(['AAPL'], contracts);
    expect(quotes.AAPL).toMatchObject({ symbol: 'AAPL', delayed: true });
    expect(quotes.AAPL?.bid).toBeGreaterThan(0);
    expect(quotes.AAPL?.ask).toBeGreaterThan(0);
    expect(h.messages.some((m) => m.code === 10167)).toBe(true);
  });

  it('leaves out symbols without a market data subscription (354), with or without delayed data', async () => {
    const gateway = await h.gateway(withFaults({ noMarketDataPermission: ['MSFT'] }));
    const broker = h.broker(gateway.port);
    await broker.connect();
    const contracts = await broker.contractDetails(['AAPL', 'MSFT'], {});
    expect(Object.keys(await broker.quotes(['AAPL', 'MSFT'], contracts))).toEqual(['AAPL']);

    const noLive = await h.gateway(withFaults({ delayedData: true }));
    const liveOnly = h.broker(noLive.port, { clientId: 21 });
    await liveOnly.connect();
    expect(await liveOnly.quotes(['AAPL'], contracts)).toEqual({});
    expect(h.messages.filter((m) => m.code === 354).length).toBeGreaterThanOrEqual(2);
  });

  it('leaves out a snapshot that never ends, within its own timeout, while the others arrive', async () => {
    const gateway = await h.gateway(withFaults({ noSnapshotEnd: ['SPY'] }));
    const broker = h.broker(gateway.port, { marketDataTimeoutMs: 400 });
    await broker.connect();
    const contracts = await broker.contractDetails(['AAPL', 'SPY', 'KO'], {});
    const started = Date.now();
    const quotes = await broker.quotes(['AAPL', 'SPY', 'KO'], contracts);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(Object.keys(quotes).sort()).toEqual(['AAPL', 'KO']);
  });

  it('asks nothing for a symbol without contract details', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    const contracts = await broker.contractDetails(['AAPL'], {});
    expect(Object.keys(await broker.quotes(['AAPL', 'MSFT'], contracts))).toEqual(['AAPL']);
  });

  it('keeps 60 rapid requests under the pacing limit: the gateway sees no violation (error 100)', async () => {
    const symbols = Array.from({ length: 60 }, (_, i) => `S${String(i).padStart(2, '0')}`);
    const scenario = baseScenario();
    scenario.quotes = Object.fromEntries(symbols.map((s, i) => [s, { bid: 10 + i, ask: 10.02 + i, last: 10.01 + i, close: 10 + i }]));
    scenario.contracts = Object.fromEntries(symbols.map((s) => [s, { minTick: 0.01, primaryExchange: 'NYSE' }]));
    const gateway = await h.gateway(scenario);
    const broker = h.broker(gateway.port);
    await broker.connect();
    const contracts: Record<string, ContractInfo> = Object.fromEntries(
      symbols.map((s) => [s, { symbol: s, minTick: 0.01, primaryExchange: 'NYSE', currency: 'USD' }]),
    );
    const quotes = await broker.quotes(symbols, contracts);
    expect(Object.keys(quotes)).toHaveLength(60);
    expect(gateway.stats().pacingViolations).toBe(0);
    expect(h.messages.some((m) => m.code === 100)).toBe(false);
  });

  it('keeps no more snapshots in flight than MARKET_DATA_LINES', async () => {
    const gateway = await h.gateway(withFaults({ snapshotDelayMs: 150 }));
    const broker = h.broker(gateway.port, { marketDataLines: 2 });
    await broker.connect();
    const contracts = await broker.contractDetails(['AAPL', 'MSFT', 'SPY', 'KO'], {});
    const started = Date.now();
    expect(Object.keys(await broker.quotes(['AAPL', 'MSFT', 'SPY', 'KO'], contracts))).toHaveLength(4);
    // Two waves of two: at least twice the snapshot delay.
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});
