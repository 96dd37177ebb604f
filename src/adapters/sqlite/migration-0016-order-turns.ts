/**
 * Migration 0016: an intent knows whether its turn to be sent ever came. A run records every order of its batch as
 * an intent in one transaction, then sends them one after the other at IB's pace (issue 14): a run killed mid-batch
 * (kill -9, power loss, an out-of-memory kill) leaves intents of which only the first few were handed to the broker.
 * Seen on the same day, IB's executions settle them; seen on a later day without a statement, each was `Unknown`
 * and held its ticker until a person accepted it.
 *
 * `awaiting_turn` is 1 for an intent of a batch whose turn has not come: the run clears it, in one transaction for
 * a few orders at a time, before handing those to the broker. An intent still awaiting its turn was never handed
 * over, so on any day it is `NotSent`. Rows recorded before this migration, and intents recorded one by one, are
 * 0: possibly handed over, looked up as before.
 */
export const ORDER_TURNS_SCHEMA = `
ALTER TABLE orders ADD COLUMN awaiting_turn INTEGER NOT NULL DEFAULT 0 CHECK (awaiting_turn IN (0, 1));
`;
