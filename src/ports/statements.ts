import type { Execution } from '../core/types.js';

/**
 * The broker's statements: what the broker recorded for the account over past days, beyond the window its live
 * API shows (IB Gateway serves only the current day's executions). IB: the Flex Web Service. A run asks it when
 * an order of an earlier day left the API's view before its outcome was recorded.
 *
 * Every call resolves or rejects within its own deadline; a rejection is a {@link StatementError}.
 */
export interface StatementSource {
  /** For messages: what was asked, e.g. "IB Flex Web Service (query 123456)". Never a secret. */
  readonly name: string;
  /**
   * The account's statement for the trade dates fromDate..toDate (YYYY-MM-DD, both included, the exchange's
   * dates). Executions carry the broker's execution id (the same id the live API reports), order id, permId,
   * orderRef, side, quantity, price, commission and time.
   */
  statement(account: string, fromDate: string, toDate: string): Promise<BrokerStatement>;
}

/** What a statement holds that the run uses. */
export interface BrokerStatement {
  /** The trade dates the statement covers (YYYY-MM-DD), as the broker states them. */
  fromDate: string;
  toDate: string;
  /** When the broker generated it (ISO 8601). */
  generatedAt: string;
  executions: Execution[];
  /**
   * Cash the broker booked (dividends, withholding tax, interest, fees, deposits), when the statement has the
   * section (IB: an Activity Flex Query with Cash Transactions); undefined when it has not, [] when it has none.
   */
  cashTransactions?: StatementCashTransaction[];
  /** Splits, mergers, spin-offs..., when the statement has the section (IB: Corporate Actions); as above. */
  corporateActions?: StatementCorporateAction[];
  /** What the reader left out and why (rows of other accounts, of other asset classes), for the log. */
  notes?: string[];
}

/**
 * One cash booking. Amounts are exact decimal strings as the broker wrote them ("-1.85"), signed as the
 * account sees them: positive credits it.
 */
export interface StatementCashTransaction {
  /** The broker's id of the booking (IB: transactionID), the same in every statement that shows it. */
  transactionId: string;
  /** The broker's type as written (IB: "Dividends", "Withholding Tax", "Payment In Lieu Of Dividends", "Broker Interest Paid", "Other Fees", "Deposits/Withdrawals"...). */
  type: string;
  /** The ticker it concerns; '' for the account as a whole (interest, fees, deposits). */
  symbol: string;
  /** The broker's contract id (IB: conid), when it concerns a contract. */
  conId?: number;
  /** IB: assetCategory ("STK", "CASH"...); '' when the broker gave none. */
  assetCategory: string;
  currency: string;
  amount: string;
  /** The date the broker gives the booking (YYYY-MM-DD). */
  date: string;
  /** Its instant (ISO 8601 UTC), when the broker gave a time. */
  time?: string;
  /** The date it entered the broker's books (YYYY-MM-DD), when given. */
  reportDate?: string;
  description: string;
  /** The corporate action it belongs to (IB: actionID), when given: ties a dividend to its announcement. */
  actionId?: string;
}

/** One corporate action on a position. Quantities and amounts are exact decimal strings, signed as the account sees them. */
export interface StatementCorporateAction {
  /** The broker's id of this booking (IB: transactionID). */
  transactionId: string;
  /** The event it belongs to (IB: actionID): one split books one row per contract it touches. */
  actionId?: string;
  /** The broker's type code as written (IB: "FS" forward split, "RS" reverse split, "SO" spin-off, "TC" merger, "SD" stock dividend, "DW" delisted...). */
  type: string;
  symbol: string;
  conId?: number;
  assetCategory: string;
  currency: string;
  /** Shares added (positive) or removed (negative) by this row. */
  quantity: string;
  /** Cash the row moved (IB: amount), and the proceeds and value IB states with it. */
  amount: string;
  proceeds: string;
  value: string;
  /** The date of the action (YYYY-MM-DD), and its instant (ISO 8601 UTC) when the broker gave a time. */
  date: string;
  time?: string;
  reportDate?: string;
  description: string;
}

/** A statement that could not be had: what failed, and whether asking again later may help. */
export class StatementError extends Error {
  override readonly name = 'StatementError';
  constructor(
    message: string,
    /** True when the same request may succeed later (throttled, statement not ready, service down). */
    readonly retryLater: boolean,
    /** The broker's own error code, when it gave one (IB Flex: 1001-1021). */
    readonly code?: number,
  ) {
    super(message);
  }
}
