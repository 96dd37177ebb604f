import { describe, expect, it } from 'vitest';
import {
  detectSplit,
  formatRatio,
  parseRatio,
  PLAUSIBLE_SPLIT_RATIOS,
  splitQuantity,
  SPLIT_PRICE_TOLERANCE,
  type SplitEvidence,
  type SplitFinding,
  type SplitSuspect,
} from '../../src/core/splits.js';

const AT = '2026-11-23T20:35:00Z';

/** AAPL 147 shares at 760 (average cost 600) at the last snapshot; the broker now holds `broker` at `price`. */
function evidence(over: Partial<SplitEvidence> & { broker: number; price?: number; avgCost: number }): SplitEvidence {
  return {
    symbol: 'AAPL',
    ledgerQuantity: 147,
    brokerQuantity: over.broker,
    before: { quantity: 147, price: 760, avgCost: 600, at: AT },
    after: { price: over.price, avgCost: over.avgCost },
    otherActivity: [],
    ...over,
  };
}

function split(e: SplitEvidence): SplitFinding {
  const found = detectSplit(e);
  if (found?.kind !== 'split') throw new Error(`expected a split, got ${JSON.stringify(found)}`);
  return found;
}

function suspect(e: SplitEvidence): SplitSuspect {
  const found = detectSplit(e);
  if (found?.kind !== 'suspect') throw new Error(`expected a suspect, got ${JSON.stringify(found)}`);
  return found;
}

describe('split ratios', () => {
  it('parses N:M and refuses anything else', () => {
    expect(parseRatio('4:1')).toEqual({ to: 4, from: 1 });
    expect(parseRatio(' 1 : 10 ')).toEqual({ to: 1, from: 10 });
    for (const bad of ['4', '4:0', '0:1', '1:1', '-2:1', '2.5:1', 'a:b', '4:1:1']) expect(parseRatio(bad)).toBeUndefined();
    expect(formatRatio({ to: 3, from: 2 })).toBe('3:2');
  });

  it('keeps whole shares and pays the fraction in cash, longs and shorts alike', () => {
    expect(splitQuantity(147, { to: 4, from: 1 })).toEqual({ quantity: 588, fraction: 0 });
    expect(splitQuantity(147, { to: 1, from: 10 })).toEqual({ quantity: 14, fraction: 0.7 });
    expect(splitQuantity(147, { to: 3, from: 2 })).toEqual({ quantity: 220, fraction: 0.5 });
    expect(splitQuantity(-147, { to: 1, from: 10 })).toEqual({ quantity: -14, fraction: 0.7 });
    expect(splitQuantity(5, { to: 1, from: 10 })).toEqual({ quantity: 0, fraction: 0.5 });
  });

  it('every plausible ratio is a real split (not 1:1)', () => {
    for (const r of PLAUSIBLE_SPLIT_RATIOS) expect(r.to).not.toBe(r.from);
  });
});

describe('detectSplit: what is taken for a split', () => {
  it('a 4:1 split: quantity x4, price and average cost /4', () => {
    const found = split(evidence({ broker: 588, price: 190.5, avgCost: 150 }));
    expect(found).toMatchObject({
      ratio: { to: 4, from: 1 },
      ledgerBefore: 147,
      brokerQuantity: 588,
      quantity: 441,
      cashInLieuShares: 0,
      confirmed: false,
    });
    expect(found.notice).toContain('AAPL: 4:1 split recorded in the ledger (147 -> 588 shares)');
    expect(found.notice).toContain('inferred from quantity, price and average cost (no broker statements configured');
    expect(found.evidence).toContain('price 760 -> 190.5, average cost 600 -> 150');
  });

  it('2:1 and 3:2 forward splits', () => {
    expect(split(evidence({ broker: 294, price: 380, avgCost: 300 })).ratio).toEqual({ to: 2, from: 1 });
    const f = split(evidence({ broker: 220, price: 506.67, avgCost: 400 }));
    expect(f.ratio).toEqual({ to: 3, from: 2 });
    expect(f.cashInLieuShares).toBe(0.5);
    expect(f.notice).toContain('0.5 share paid in cash in lieu');
  });

  it('a 1:10 reverse split with cash in lieu of the fraction', () => {
    const f = split(evidence({ broker: 14, price: 7600, avgCost: 6000 }));
    expect(f).toMatchObject({ ratio: { to: 1, from: 10 }, quantity: -133, cashInLieuShares: 0.7 });
    expect(f.notice).toContain('AAPL: 1:10 split recorded in the ledger (147 -> 14 shares; 0.7 share paid in cash in lieu)');
  });

  it('a short position splits too', () => {
    const f = split(
      evidence({
        ledgerQuantity: -100,
        before: { quantity: -100, price: 760, avgCost: 600, at: AT },
        broker: -400,
        price: 190,
        avgCost: 150,
      }),
    );
    expect(f.quantity).toBe(-300);
  });

  it('the price may move with the market up to the tolerance, both ways, and not past it', () => {
    const edge = 190 * (1 + SPLIT_PRICE_TOLERANCE);
    expect(split(evidence({ broker: 588, price: edge, avgCost: 150 })).ratio.to).toBe(4);
    expect(split(evidence({ broker: 588, price: 190 * (1 - SPLIT_PRICE_TOLERANCE), avgCost: 150 })).ratio.to).toBe(4);
    expect(suspect(evidence({ broker: 588, price: edge + 0.01, avgCost: 150 })).cause).toMatch(
      /^looks like a 4:1 split, but the price did not move by the inverse: 760 at the last snapshot, 218\.51 now \(a 4:1 split makes it about 190\)$/,
    );
  });

  it('the average cost must move by the inverse within 1%', () => {
    expect(split(evidence({ broker: 588, price: 190, avgCost: 151.5 })).ratio.to).toBe(4);
    expect(suspect(evidence({ broker: 588, price: 190, avgCost: 151.6 })).cause).toBe(
      "looks like a 4:1 split, but the broker's average cost did not move by the inverse: 600 at the last snapshot, 151.6 now (a 4:1 split makes it 150)",
    );
  });

  it('confirmed by the broker statements when they list the split', () => {
    const f = split(
      evidence({
        broker: 588,
        price: 190,
        avgCost: 150,
        statements: {
          name: 'IB Flex Web Service (query 1)',
          actions: [
            {
              type: 'FS',
              description: 'AAPL(US0378331005) SPLIT 4 FOR 1 (AAPL, APPLE INC, US0378331005)',
              date: '2026-11-24',
              transactionId: '77',
            },
          ],
        },
      }),
    );
    expect(f.confirmed).toBe(true);
    expect(f.notice).toContain("confirmed by IB's corporate actions (FS 2026-11-24, transaction 77");
  });

  it('a ratio outside the usual set is taken when the statements list it', () => {
    const statements = {
      name: 'flex',
      actions: [{ type: 'RS', description: 'XYZ(US0000000000) SPLIT 1 FOR 7 (XYZ)', date: '2026-11-24', transactionId: '9' }],
    };
    const e = evidence({ broker: 21, price: 5320, avgCost: 4200 });
    expect(detectSplit(e)).toBeUndefined();
    expect(split({ ...e, statements }).ratio).toEqual({ to: 1, from: 7 });
  });

  it('says why the statements could not confirm it', () => {
    expect(split(evidence({ broker: 588, price: 190, avgCost: 150, statements: { name: 'flex', actions: [] } })).notice).toContain(
      'not listed in flex yet',
    );
    expect(split(evidence({ broker: 588, price: 190, avgCost: 150, statements: { name: 'flex', error: 'throttled' } })).notice).toContain(
      'flex could not be read: throttled',
    );
  });
});

describe('detectSplit: what stays a break', () => {
  it('not a split at all: no ratio fits, the position closed, the sign flipped', () => {
    expect(detectSplit(evidence({ broker: 150, price: 760, avgCost: 600 }))).toBeUndefined();
    expect(detectSplit(evidence({ broker: 0, price: 760, avgCost: 600 }))).toBeUndefined();
    expect(detectSplit(evidence({ broker: -147, price: 760, avgCost: 600 }))).toBeUndefined();
    expect(detectSplit(evidence({ broker: 147 * 9, price: 760 / 9, avgCost: 600 / 9 }))).toBeUndefined();
  });

  it('a manual trade that doubles the position at the same price is not a split', () => {
    // Bought 147 more at 760: the average cost moves toward 760, the price stays.
    const s = suspect(evidence({ broker: 294, price: 761, avgCost: 680 }));
    expect(s.cause).toBe(
      'looks like a 2:1 split, but the price did not move by the inverse: 760 at the last snapshot, 761 now (a 2:1 split makes it about 380); a trade by hand or a lost fill looks like this',
    );
  });

  it('a manual trade at half the price (a crash) does not fake the average cost', () => {
    const s = suspect(evidence({ broker: 294, price: 380, avgCost: 490 }));
    expect(s.cause).toContain("looks like a 2:1 split, but the broker's average cost did not move by the inverse: 600");
  });

  it('a split plus a fill of our own since the last snapshot', () => {
    const s = suspect(
      evidence({
        ledgerQuantity: 157,
        broker: 628,
        price: 190,
        avgCost: 150,
        otherActivity: ['order rebal:r1:AAPL filled 10 at 2026-11-24T14:40:00Z, after the snapshot'],
      }),
    );
    expect(s.cause).toBe(
      'looks like a 4:1 split, but AAPL also traded since the last snapshot: order rebal:r1:AAPL filled 10 at 2026-11-24T14:40:00Z, after the snapshot',
    );
  });

  it('the ledger moved since the last snapshot', () => {
    const s = suspect(evidence({ before: { quantity: 140, price: 760, avgCost: 600, at: AT }, broker: 588, price: 190, avgCost: 150 }));
    expect(s.cause).toBe(
      `looks like a 4:1 split, but the last snapshot (${AT}) held 140, not the ledger's 147: the position moved before the split`,
    );
  });

  it('no snapshot, or no price, to compare with', () => {
    expect(suspect({ ...evidence({ broker: 588, price: 190, avgCost: 150 }), before: undefined }).cause).toBe(
      'looks like a 4:1 split, but there is no earlier snapshot of AAPL to compare the price and the average cost with',
    );
    expect(suspect(evidence({ broker: 588, avgCost: 150 })).cause).toBe('looks like a 4:1 split, but AAPL has no price now to confirm it');
  });

  it('the statements list another split than the figures show', () => {
    const s = suspect(
      evidence({
        broker: 588,
        price: 190,
        avgCost: 150,
        statements: {
          name: 'flex',
          actions: [{ type: 'FS', description: 'AAPL(US0378331005) SPLIT 2 FOR 1', date: '2026-11-24', transactionId: '1' }],
        },
      }),
    );
    expect(s.cause).toBe('looks like a 4:1 split, but flex list a 2:1 split (2026-11-24)');
  });

  it('the statements list a split the quantity does not match', () => {
    const s = suspect(
      evidence({
        broker: 590,
        price: 190,
        avgCost: 150,
        statements: {
          name: 'flex',
          actions: [{ type: 'FS', description: 'AAPL(US0378331005) SPLIT 4 FOR 1', date: '2026-11-24', transactionId: '1' }],
        },
      }),
    );
    expect(s.cause).toBe(
      'flex list a 4:1 split (2026-11-24), but it would leave 588 shares, not 590: something else changed the position too',
    );
  });

  it('a small reverse-split position fits several ratios by quantity: the price picks one, or it stays a break', () => {
    const small = (price: number, avgCost: number): SplitEvidence => ({
      symbol: 'XYZ',
      ledgerQuantity: 3,
      brokerQuantity: 1,
      before: { quantity: 3, price: 10, avgCost: 10, at: AT },
      after: { price, avgCost },
      otherActivity: [],
    });
    // 1:2 and 1:3 both leave 1 share of 3.
    expect(split(small(20, 20)).ratio).toEqual({ to: 1, from: 2 });
    expect(split(small(30, 30)).ratio).toEqual({ to: 1, from: 3 });
    expect(suspect(small(25, 25)).cause).toContain('looks like a 1:');
  });
});
