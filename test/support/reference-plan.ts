/**
 * A test-only reference: the planning core as it was before its arithmetic moved to integers (issue 14), copied
 * unchanged from src/core at 3c340bb (plan-rebalance.ts and every module it computes through: plan-lines,
 * commission, limit-price, reference-price, exposure, money, the breakers, trading-state, ledger; only their
 * import of ./types.js points back at src/core). Everything in it computes through Decimal.
 *
 * test/properties/plan-integer.property.test.ts holds the real core to it line for line and breach for breach,
 * and `npm run bench:plan` times both in one run. Never fix anything here: it is the "before".
 */
export { planRebalance as referencePlanRebalance } from './reference-plan/plan-rebalance.js';
