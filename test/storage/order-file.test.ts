import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeOrderFile } from '../../src/adapters/files/order-file.js';
import { aPlanLine, makeTempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(async () => cleanup());

describe('writeOrderFile', () => {
  it('writes every plan line, NONE lines included, to orders/<day>/<run>.csv', async () => {
    const lines = [
      aPlanLine(),
      aPlanLine({
        symbol: 'MSFT',
        action: 'SELL',
        quantity: 5,
        currentQuantity: 50,
        targetQuantity: 45,
        referencePrice: 400.1,
        limitPrice: 399.71,
        tradeValue: 2000.5,
        estimatedCommission: 1.2,
        reason: 'above target, sell 5',
      }),
      aPlanLine({
        symbol: 'SPY',
        action: 'NONE',
        quantity: 0,
        currentQuantity: 10,
        targetQuantity: 10,
        limitPrice: undefined,
        tradeValue: 0,
        estimatedCommission: 0,
        reason: 'within the no-trade band, "0.1%"',
      }),
      aPlanLine({
        symbol: 'XYZ',
        action: 'NONE',
        quantity: 0,
        referencePrice: undefined,
        limitPrice: undefined,
        tradeValue: 0,
        estimatedCommission: 0,
        reason: 'no price',
      }),
      aPlanLine({
        symbol: 'VOD',
        action: 'BUY',
        quantity: 100,
        referencePrice: 3514,
        limitPrice: 3517.5,
        currentQuantity: 0,
        targetQuantity: 100,
        tradeValue: 6049.35,
        estimatedCommission: 1.72,
        currency: 'GBP',
        fx: { rate: 1.7215, at: '2026-11-20T15:30:01Z', source: 'IDEALPRO GBP.SGD midpoint' },
        priceMagnifier: 100,
        reason: 'in pence, valued in SGD',
      }),
    ];
    const path = await writeOrderFile(join(dir, 'data'), '2026-11-20', 'run-20261120T1530', lines);
    expect(path).toBe(join(dir, 'data', 'orders', '2026-11-20', 'run-20261120T1530.csv'));
    expect((await readFile(path, 'utf8')).split('\n')).toEqual([
      'symbol,action,quantity,limit_price,reference_price,current_quantity,target_quantity,trade_value,est_commission,reason,currency,fx_rate,fx_rate_at,price_magnifier,sec_type',
      'AAPL,BUY,110,190.09,190,100,210,20900,1,below target by 110 shares,,,,,',
      'MSFT,SELL,5,399.71,400.1,50,45,2000.5,1.2,"above target, sell 5",,,,,',
      'SPY,NONE,0,,190,10,10,0,0,"within the no-trade band, ""0.1%""",,,,,',
      'XYZ,NONE,0,,,100,210,0,0,no price,,,,,',
      'VOD,BUY,100,3517.5,3514,0,100,6049.35,1.72,"in pence, valued in SGD",GBP,1.7215,2026-11-20T15:30:01Z,100,',
      '',
    ]);
    expect(await readdir(join(dir, 'data', 'orders', '2026-11-20'))).toEqual(['run-20261120T1530.csv']);
  });

  it('writes the header alone for an empty plan, and replaces the file whole when written again', async () => {
    const path = await writeOrderFile(dir, '2026-11-20', 'r1', [aPlanLine()]);
    await writeOrderFile(dir, '2026-11-20', 'r1', []);
    expect(await readFile(path, 'utf8')).toBe(
      'symbol,action,quantity,limit_price,reference_price,current_quantity,target_quantity,trade_value,est_commission,reason,currency,fx_rate,fx_rate_at,price_magnifier,sec_type\n',
    );
  });

  it('writes the conversions (FX_POLICY=convert) first, as they are sent, marked CASH', async () => {
    const hkd = { rate: 0.1724, at: '2026-11-20T15:30:01Z', source: 'IDEALPRO SGD.HKD midpoint, inverted' };
    const held = aPlanLine({ symbol: 'AAPL', action: 'NONE', quantity: 0, reason: 'held' });
    const path = await writeOrderFile(
      dir,
      '2026-11-20',
      'r2',
      [held],
      [
        {
          symbol: 'SGD.HKD',
          pair: { symbol: 'SGD', currency: 'HKD' },
          currency: 'HKD',
          purpose: 'fund',
          action: 'SELL',
          quantity: 1726,
          limitPrice: 5.7942,
          referencePrice: 5.8,
          amount: 10_000,
          value: 1726,
          quotedAt: hkd.at,
          fx: hkd,
          reason: "10,000.00 HKD short after this run's orders",
        },
      ],
    );
    const rows = (await readFile(path, 'utf8')).split('\n');
    expect(rows[1]).toBe(
      `SGD.HKD,SELL,1726,5.7942,5.8,,,1726,,"10,000.00 HKD short after this run's orders",HKD,0.1724,2026-11-20T15:30:01Z,,CASH`,
    );
    expect(rows[2]?.startsWith('AAPL,NONE,')).toBe(true);
  });

  it('refuses a run id that would leave the orders directory', async () => {
    await expect(writeOrderFile(dir, '2026-11-20', '../escape', [])).rejects.toThrow(/run id '..\/escape' cannot be used as a file name/);
    await expect(writeOrderFile(dir, '..', 'r1', [])).rejects.toThrow(/trading day/);
  });
});
