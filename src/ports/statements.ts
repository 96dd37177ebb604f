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
