import { describe, expect, it } from 'vitest';
import { checkRecordsOwner, type RecordsOwner } from '../../src/core/records-owner.js';

const OWNER: RecordsOwner = {
  broker: 'ib',
  account: 'DU1234567',
  tradingMode: 'paper',
  runId: 'r1',
  at: '2026-11-20T15:30:00Z',
  adopted: false,
};
const WHERE = { database: '/srv/reb/data/rebalancer.sqlite', dataDir: '/srv/reb/data' };

describe('checkRecordsOwner', () => {
  it('claims records nobody owns, goes on with the same owner', () => {
    expect(checkRecordsOwner(undefined, { broker: 'sim', account: 'DU0000001', tradingMode: 'paper' }, WHERE)).toEqual({ kind: 'claim' });
    expect(checkRecordsOwner(OWNER, { broker: 'ib', account: 'DU1234567', tradingMode: 'paper' }, WHERE)).toEqual({ kind: 'same' });
  });

  it('without an account (a command that does not connect), compares the broker kind and the trading mode only', () => {
    expect(checkRecordsOwner(OWNER, { broker: 'ib', tradingMode: 'paper' }, WHERE).kind).toBe('same');
    expect(checkRecordsOwner(OWNER, { broker: 'sim', tradingMode: 'paper' }, WHERE).kind).toBe('refused');
    expect(checkRecordsOwner(OWNER, { broker: 'ib', tradingMode: 'live' }, WHERE).kind).toBe('refused');
  });

  it('refuses any other broker kind, account or trading mode, naming both, the way out, and never an acceptance', () => {
    const verdict = checkRecordsOwner(OWNER, { broker: 'ib', account: 'U7654321', tradingMode: 'live' }, WHERE, 'this plan');
    expect(verdict.kind).toBe('refused');
    const message = verdict.kind === 'refused' ? verdict.message : '';
    expect(message).toBe(
      'records of another account: /srv/reb/data/rebalancer.sqlite holds the records of broker ib, account DU1234567, trading mode paper ' +
        '(since run r1 at 2026-11-20T15:30:00Z); this plan is on broker ib, account U7654321, trading mode live ' +
        '(the account and the trading mode differ). One set of records serves one account: nothing was cancelled or sent, and nothing ' +
        'of that account was recorded. To use broker ib, account U7654321, trading mode live, start fresh records for it: point DATA_DIR ' +
        'at a new, empty directory, or move /srv/reb/data aside (keep your forecasts and .env settings; never copy a data directory ' +
        "between accounts). To go on with the records' account, set BROKER=ib, TRADING_MODE=paper, IB_ACCOUNT=DU1234567 again.",
    );
    expect(message).not.toMatch(/accept/i);
  });
});
