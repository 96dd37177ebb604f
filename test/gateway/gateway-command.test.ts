import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventName, OrderAction, OrderType, SecType } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { gatewayCommand } from '../../src/cli/commands/gateway-command.js';
import { ConfigError } from '../../src/errors.js';
import { BASE_SCENARIO, MIDDAY, connectClient, eventually, onCleanup, once } from './helpers.js';

async function workspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-cli-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'scenario.json'), JSON.stringify(BASE_SCENARIO));
  return dir;
}

describe('rebalancer gateway', () => {
  it('prints exactly one stdout line with the port, logs frames to stderr, and stops cleanly', async () => {
    const cwd = await workspace();
    const out: string[] = [];
    const err: string[] = [];
    const io = { cwd, env: { REBALANCER_NOW: MIDDAY }, out: (...l: string[]) => out.push(...l), err: (...l: string[]) => err.push(...l) };
    let stop = () => undefined as void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const exit = gatewayCommand(io, { port: '0', scenario: 'scenario.json', logFrames: true }, stopped);
    await eventually(() => expect(out).toHaveLength(1));
    const port = Number(/^gateway listening on 127\.0\.0\.1:(\d+)$/.exec(out[0] ?? '')?.[1]);
    expect(port).toBeGreaterThan(0);

    const client = await connectClient(port, 7);
    client.api.placeOrder(
      client.nextValidId,
      { symbol: 'SPY', secType: SecType.STK, exchange: 'SMART', currency: 'USD' },
      {
        action: OrderAction.BUY,
        totalQuantity: 1,
        orderType: OrderType.LMT,
        lmtPrice: 559,
        tif: 'DAY',
        transmit: true,
        orderRef: 'cli',
        algoStrategy: 'Adaptive',
        algoParams: [{ tag: 'adaptivePriority', value: 'Normal' }],
      },
    );
    await once(client.api, EventName.orderStatus);
    client.api.disconnect();
    stop();
    expect(await exit).toBe(0);
    expect(out).toHaveLength(1);
    expect(err).toContainEqual(expect.stringMatching(/^<- 71 START_API 2\|7\|/));
    expect(err).toContainEqual(
      expect.stringMatching(
        /^<- 3 PLACE_ORDER orderId=1 symbol=SPY action=BUY totalQuantity=1 orderType=LMT lmtPrice=559 tif=DAY .*algoStrategy=Adaptive adaptivePriority=Normal/,
      ),
    );
    expect(err).toContainEqual(expect.stringMatching(/^-> 5 OPEN_ORDER 1\|\d+\|SPY\|STK/));
    expect(err.at(-1)).toMatch(
      /^gateway stopped: 1 connection\(s\), \d+ message\(s\), 1 order\(s\), 0 modification\(s\), 0 decode error\(s\)$/,
    );
  });

  it('keeps its state under <DATA_DIR>/gateway by default and refuses a bad port', async () => {
    const cwd = await workspace();
    const io = { cwd, env: { REBALANCER_NOW: MIDDAY }, out: () => undefined, err: () => undefined };
    expect(await gatewayCommand(io, { port: '0', scenario: 'scenario.json', logFrames: false }, Promise.resolve())).toBe(0);
    expect(existsSync(join(cwd, 'data', 'gateway', 'sim', 'state.json'))).toBe(true);
    await expect(gatewayCommand(io, { port: 'http', logFrames: false }, Promise.resolve())).rejects.toThrow(ConfigError);
  });
});
