import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/sim/scenario.js';
import { defaultGatewaySection } from '../../src/sim/scenario-gateway.js';
import { ConfigError } from '../../src/errors.js';

const parse = (gateway: unknown) => parseScenario(JSON.stringify({ gateway }), 'scenario.json').gateway;

describe('the scenario gateway section', () => {
  it('is optional, and every fault is off by default', () => {
    expect(parseScenario('{}', 'scenario.json').gateway).toBeUndefined();
    expect(defaultGatewaySection()).toEqual({
      faults: {
        rejectOrders: {},
        readOnlyApi: false,
        unknownContracts: [],
        noMarketDataPermission: [],
        delayedData: false,
        noSnapshotEnd: [],
        answerDelayMs: 0,
        snapshotDelayMs: 0,
        dropConnectionAfterMessages: null,
        dropConnectionAfterOrders: null,
        connectivityLost: null,
        pacingLimitPerSecond: 50,
        correctExecutions: {},
        lateCommissionReports: {},
        orderStatusLagMs: 0,
        marketRuleDelays: {},
        restart: null,
      },
      foreignOrders: [],
    });
    expect(parse({ faults: { readOnlyApi: true } })?.faults).toMatchObject({ readOnlyApi: true, pacingLimitPerSecond: 50 });
  });

  it('reads the documented example, with foreign order defaults', () => {
    const section = parse({
      faults: {
        rejectOrders: { AAPL: { code: 201, message: 'Order rejected - reason: insufficient margin' } },
        unknownContracts: ['XYZ'],
        connectivityLost: { afterMessages: 10, restoreAfterMs: 500 },
        dropConnectionAfterOrders: 2,
      },
      foreignOrders: [{ symbol: 'AAPL', action: 'BUY', quantity: 10, limitPrice: 150 }],
    });
    expect(section?.faults.connectivityLost).toEqual({ afterMessages: 10, restoreAfterMs: 500 });
    expect(section?.foreignOrders).toEqual([{ symbol: 'AAPL', action: 'BUY', quantity: 10, limitPrice: 150, clientId: 0, orderRef: '' }]);
  });

  it('names every unknown field and bad value', () => {
    const bad = () =>
      parse({ faults: { rejectOrders: { AAPL: { code: 202 } }, pacing: 5, answerDelayMs: -1 }, foreignOrders: [{ symbol: 'aapl' }] });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/gateway\.faults\.rejectOrders\.AAPL\.code: expected one of 201, 110, 103, 451/);
    expect(bad).toThrow(/gateway\.faults\.pacing: unknown field/);
    expect(bad).toThrow(/gateway\.faults\.answerDelayMs: expected 0 or more/);
    expect(bad).toThrow(/gateway\.foreignOrders\.0\.symbol: expected an upper-case ticker/);
    expect(() => parse({ extra: true })).toThrow(/gateway\.extra: unknown field/);
  });

  it('reads execution corrections and late or withheld commission reports, naming a bad value', () => {
    const faults = parse({
      faults: { correctExecutions: { AAPL: { price: 190.05 } }, lateCommissionReports: { MSFT: 5000, SPY: null } },
    })?.faults;
    expect(faults?.correctExecutions).toEqual({ AAPL: { price: 190.05, afterMs: 0 } });
    expect(faults?.lateCommissionReports).toEqual({ MSFT: 5000, SPY: null });
    expect(() => parse({ faults: { correctExecutions: { AAPL: { price: 0 } } } })).toThrow(
      /gateway\.faults\.correctExecutions\.AAPL\.price: expected a number > 0/,
    );
    expect(() => parse({ faults: { lateCommissionReports: { MSFT: -1 } } })).toThrow(
      /gateway\.faults\.lateCommissionReports\.MSFT: expected 0 or more/,
    );
  });
});
