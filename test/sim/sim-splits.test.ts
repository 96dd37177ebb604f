import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { SimAccount } from '../../src/sim/sim-account.js';
import { loadState } from '../../src/sim/state-file.js';

/**
 * The scenario's scheduled splits, applied by the simulated account at the ex-date's open (09:30 New York):
 * the position multiplied (floor, the fraction paid in cash at the new price), its average cost and the quotes
 * divided by the ratio, the ticker's open orders cancelled; once, across restarts.
 */

// Monday 2026-12-07 and Tuesday 2026-12-08, New York on EST: 09:30 New York is 14:30Z.
const MON_NOON = '2026-12-07T17:00:00Z';
const MON_AFTER_CLOSE = '2026-12-07T22:00:00Z';
const TUE_9AM = '2026-12-08T14:00:00Z';
const TUE_10AM = '2026-12-08T15:00:00Z';
const TUE_NOON = '2026-12-08T17:00:00Z';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-splits-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const data = () => join(dir, 'data');

async function scenarioFile(ratio: string, quantity = 147): Promise<string> {
  const file = join(dir, 'scenario.json');
  await writeFile(
    file,
    JSON.stringify({
      cash: 10_000,
      positions: { AAPL: { quantity, avgCost: 600 } },
      quotes: { AAPL: { bid: 759.9, ask: 760.1, last: 760, close: 755 }, MSFT: { bid: 409.9, ask: 410.1, last: 410 } },
      fills: { partialFillProbability: 0 },
      events: [{ type: 'split', symbol: 'AAPL', ratio, exDate: '2026-12-08' }],
    }),
  );
  return file;
}

const open = (file: string, now: string) => SimAccount.open({ dataDir: data(), scenarioFile: file, now, commissionModel: 'fixed' });

describe('scenario split events', () => {
  it('are validated, naming the field and the problem', () => {
    const parse = (event: unknown) => () => parseScenario(JSON.stringify({ events: [event] }), 'scenario.json');
    expect(parse({ type: 'split', symbol: 'AAPL', ratio: '4:1', exDate: '2026-12-08' })).not.toThrow();
    expect(parse({ type: 'split', symbol: 'AAPL', ratio: '4', exDate: '2026-12-08' })).toThrow(
      /scenario\.json: events\.0\.ratio: expected a split ratio "N:M"/,
    );
    expect(parse({ type: 'split', symbol: 'AAPL', ratio: '1:1', exDate: '2026-12-08' })).toThrow(/events\.0\.ratio/);
    expect(parse({ type: 'split', symbol: 'AAPL', ratio: '4:1', exDate: '12/08/2026' })).toThrow(
      /events\.0\.exDate: expected a date YYYY-MM-DD/,
    );
    expect(parse({ type: 'split', symbol: 'aapl', ratio: '4:1', exDate: '2026-12-08' })).toThrow(ConfigError);
    expect(parse({ type: 'split', symbol: 'AAPL', ratio: '4:1', exDate: '2026-12-08', when: 'x' })).toThrow(
      /events\.0\.when: unknown field/,
    );
  });

  it('4:1 at the ex-date open: quantity x4, average cost and quotes /4, cash unchanged; before it nothing moves', async () => {
    const file = await scenarioFile('4:1');
    const monday = open(file, MON_NOON);
    expect(monday.positions()).toEqual([{ account: 'DU0000001', symbol: 'AAPL', quantity: 147, avgCost: 600 }]);
    const tueEarly = open(file, TUE_9AM);
    expect(tueEarly.positions()[0]?.quantity).toBe(147);
    expect(tueEarly.quote('AAPL')?.last).toBe(760);
    const tue = open(file, TUE_10AM);
    expect(tue.positions()).toEqual([{ account: 'DU0000001', symbol: 'AAPL', quantity: 588, avgCost: 150 }]);
    expect(tue.quote('AAPL')).toEqual({ symbol: 'AAPL', bid: 189.98, ask: 190.03, last: 190, close: 188.75 });
    expect(tue.quote('MSFT')?.last).toBe(410);
    expect(tue.state.cash).toBe(10_000);
    expect(tue.summary().netLiquidation).toBe(10_000 + 588 * 190);
    // Applied once: a later opening does not split again.
    expect(open(file, TUE_NOON).positions()[0]?.quantity).toBe(588);
  });

  it('1:10 reverse: floor, the fraction paid in cash at the new price', async () => {
    const file = await scenarioFile('1:10');
    open(file, MON_NOON);
    const tue = open(file, TUE_10AM);
    expect(tue.positions()).toEqual([{ account: 'DU0000001', symbol: 'AAPL', quantity: 14, avgCost: 6000 }]);
    expect(tue.quote('AAPL')?.last).toBe(7600);
    expect(tue.state.cash).toBe(10_000 + 0.7 * 7600);
  });

  it("cancels the ticker's open orders at the split", async () => {
    const file = await scenarioFile('2:1');
    const monday = open(file, MON_AFTER_CLOSE);
    const order = monday.place({
      orderRef: 'rebal:r1:AAPL',
      symbol: 'AAPL',
      action: 'BUY',
      quantity: 10,
      limitPrice: 700,
      adaptivePriority: 'Normal',
      primaryExchange: 'NASDAQ',
      currency: 'USD',
    });
    expect(order.status).toBe('PreSubmitted');
    open(file, TUE_10AM);
    const saved = loadState(data())?.orders.find((o) => o.orderId === order.orderId);
    expect(saved).toMatchObject({ status: 'Cancelled', message: 'cancelled: 2:1 split of AAPL', filled: 0 });
    expect(loadState(data())?.positions.AAPL?.quantity).toBe(294);
  });
});
