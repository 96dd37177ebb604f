/**
 * One account per set of records. The records (the database in DATA_DIR, with its ledger, managed tickers, orders
 * and fills) describe one broker account: the ledger of a ticker is that account's, a managed ticker is one that
 * account's forecasts bought. Read against another account they are wrong in the way that sells: a ticker the
 * simulator made "managed" and a break "accepted" into the other account make the next plan sell what a person
 * holds there by hand. So the records remember the broker kind, the account and the trading mode of the first run
 * that passed the account check, and every command that reads a broker with them refuses any other.
 */

/** The broker kind (BROKER), the account the account check chose and the trading mode (TRADING_MODE). */
export interface AccountIdentity {
  broker: string;
  account: string;
  tradingMode: 'paper' | 'live';
}

/** Whom a set of records belongs to, as recorded once (migration 0008) and never changed. */
export interface RecordsOwner extends AccountIdentity {
  /** The run that claimed the records, and its start. */
  runId: string;
  at: string;
  /**
   * True when the records already held runs when they were claimed: a database older than this rule (or whose
   * earlier runs never reached the account check) adopted the account of its next run.
   */
  adopted: boolean;
}

/** Where the records are: named in every refusal, with how to start fresh. */
export interface RecordsLocation {
  database: string;
  dataDir: string;
}

/**
 * What the command about to read the broker may do with these records: claim them (no owner yet), go on (the same
 * owner), or stop (another owner). `current.account` is undefined when the command does not know the account (a
 * command that does not connect, with IB_ACCOUNT unset): then only the broker kind and the trading mode are compared.
 */
export type OwnerVerdict = { kind: 'claim' } | { kind: 'same' } | { kind: 'refused'; message: string };

export function checkRecordsOwner(
  owner: RecordsOwner | undefined,
  current: Omit<AccountIdentity, 'account'> & { account?: string },
  where: RecordsLocation,
  who = 'this run',
): OwnerVerdict {
  if (owner === undefined) return { kind: 'claim' };
  const differs: string[] = [];
  if (owner.broker !== current.broker) differs.push('broker');
  if (current.account !== undefined && owner.account !== current.account) differs.push('account');
  if (owner.tradingMode !== current.tradingMode) differs.push('trading mode');
  if (differs.length === 0) return { kind: 'same' };
  return { kind: 'refused', message: refusal(owner, current, where, who, differs) };
}

/** `broker ib, account U1234567, trading mode live`. */
export function describeIdentity(i: Omit<AccountIdentity, 'account'> & { account?: string }): string {
  return `broker ${i.broker}, ${i.account === undefined ? '' : `account ${i.account}, `}trading mode ${i.tradingMode}`;
}

function refusal(
  owner: RecordsOwner,
  current: Omit<AccountIdentity, 'account'> & { account?: string },
  where: RecordsLocation,
  who: string,
  differs: string[],
): string {
  const back = [
    `BROKER=${owner.broker}`,
    `TRADING_MODE=${owner.tradingMode}`,
    ...(owner.broker === 'ib' ? [`IB_ACCOUNT=${owner.account}`] : []),
  ].join(', ');
  return (
    `records of another account: ${where.database} holds the records of ${describeIdentity(owner)} ` +
    `(since run ${owner.runId} at ${owner.at}); ${who} is on ${describeIdentity(current)} ` +
    `(${listOf(differs.map((d) => `the ${d}`))} differ${differs.length === 1 ? 's' : ''}). ` +
    'One set of records serves one account: nothing was cancelled or sent, and nothing of that account was recorded. ' +
    `To use ${describeIdentity(current)}, start fresh records for it: point DATA_DIR at a new, empty directory, ` +
    `or move ${where.dataDir} aside (keep your forecasts and .env settings; never copy a data directory between accounts). ` +
    `To go on with the records' account, set ${back} again.`
  );
}

/** `a`, `a and b`, `a, b and c`. */
function listOf(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}
