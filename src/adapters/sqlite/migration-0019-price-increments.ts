/**
 * Migration 0019: the contract cache keeps each contract's price bands (IB's market rule for the exchange its orders
 * go to, issue 15): `price_increments` is JSON `[{ "lowEdge": 0, "increment": 0.01 }, ...]`, NULL when IB listed no
 * rule (the minTick applies at every price). A listing whose increment varies with the price (SEHK, TSEJ, LSE) read
 * back without its bands would be priced on its minTick and refused by IB (error 110).
 *
 * The rows cached before are deleted: they were read without the rule, and a cache costs only requests to refill.
 */
export const PRICE_INCREMENTS_SCHEMA = `
ALTER TABLE contract_cache ADD COLUMN price_increments TEXT CHECK (price_increments IS NULL OR json_valid(price_increments));
DELETE FROM contract_cache;
`;
