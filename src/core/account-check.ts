import type { Breach } from './types.js';

export interface AccountCheckInput {
  /** Accounts the broker login manages. */
  managedAccounts: string[];
  /** IB_ACCOUNT, when configured. */
  expectedAccount?: string;
  tradingMode: 'paper' | 'live';
}

/**
 * Decide which account the run trades, or why it must not trade at all. IB paper accounts start with
 * `DU`: paper mode refuses anything else, and live mode refuses a paper account, so a `.env` pointed at
 * the wrong gateway never trades. Returns an ACCOUNT_MISMATCH breach instead of an account on any doubt.
 */
export function checkAccount(input: AccountCheckInput): { account?: string; breaches: Breach[] } {
  const managed = input.managedAccounts.filter((a) => a.length > 0);
  const listed = managed.length > 0 ? managed.join(', ') : 'none';
  let account: string | undefined;
  if (input.expectedAccount !== undefined && input.expectedAccount !== '') {
    if (!managed.includes(input.expectedAccount)) {
      return mismatch(`IB_ACCOUNT ${input.expectedAccount} is not among the accounts of this login (${listed})`);
    }
    account = input.expectedAccount;
  } else if (managed.length === 1) {
    account = managed[0];
  } else {
    return mismatch(`this login manages ${managed.length} accounts (${listed}); set IB_ACCOUNT to choose one`);
  }
  if (account === undefined) return mismatch('no account');
  const isPaper = account.startsWith('DU');
  if (input.tradingMode === 'paper' && !isPaper) {
    return mismatch(`TRADING_MODE=paper but account ${account} is not a paper account (IB paper accounts start with DU)`);
  }
  if (input.tradingMode === 'live' && isPaper) {
    return mismatch(`TRADING_MODE=live but account ${account} is a paper account; set TRADING_MODE=paper`);
  }
  return { account, breaches: [] };
}

function mismatch(detail: string): { breaches: Breach[] } {
  return { breaches: [{ code: 'ACCOUNT_MISMATCH', detail }] };
}
