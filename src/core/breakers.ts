/**
 * The circuit breakers as data: each check is a small pure function from the plan's context to the breaches
 * it finds, and each breach's detail carries the numbers and the limit
 * (`LEVERAGE_LIMIT: gross after trades 2.31x of NLV 100,000.00 > max 2.00x`).
 * Whether a breach halts the run or only lets exposure shrink is trading-state.ts's business.
 *
 * Breaches that arrive from outside (KILL_SWITCH, ACCOUNT_MISMATCH, CANCEL_UNCONFIRMED, INVALID_FORECAST,
 * STALE_FORECAST, broker errors) travel in inputs.priorBreaches; these checks do not repeat them.
 */
import { checkDailyLoss, checkMarginCushion, checkNavJump, checkNetLiquidation } from './breakers-account.js';
import type { BreakerCheck, BreakerContext } from './breakers-common.js';
import { checkLeverage, checkMissingPrice, checkPositionLimit, checkShortNotAllowed } from './breakers-exposure.js';
import {
  checkDailyTurnover,
  checkOrderBounds,
  checkOrderCount,
  checkOrderValue,
  checkPriceCollar,
  checkTurnover,
} from './breakers-orders.js';
import { checkCurrency } from './breakers-currency.js';
import { checkCurrencyLoans } from './breakers-cash.js';
import type { Breach } from './types.js';

export type { BreakerCheck, BreakerContext } from './breakers-common.js';
export { checkDailyLoss, checkMarginCushion, checkNavJump, checkNetLiquidation } from './breakers-account.js';
export { checkCurrency } from './breakers-currency.js';
export { checkCurrencyLoans } from './breakers-cash.js';
export { checkLeverage, checkMissingPrice, checkPositionLimit, checkShortNotAllowed } from './breakers-exposure.js';
export {
  checkDailyTurnover,
  checkOrderBounds,
  checkOrderCount,
  checkOrderValue,
  checkPriceCollar,
  checkTurnover,
} from './breakers-orders.js';

/**
 * Every check, in the order their breaches are reported: input problems first (they explain the rest),
 * then account, exposure and order checks.
 */
export const BREAKER_CHECKS: readonly BreakerCheck[] = Object.freeze([
  checkNetLiquidation,
  checkCurrency,
  checkShortNotAllowed,
  checkMissingPrice,
  checkNavJump,
  checkDailyLoss,
  checkMarginCushion,
  checkLeverage,
  checkPositionLimit,
  checkCurrencyLoans,
  checkOrderBounds,
  checkOrderValue,
  checkOrderCount,
  checkTurnover,
  checkDailyTurnover,
  checkPriceCollar,
]);

/**
 * Runs every check and concatenates their breaches. Every check runs, even after one trips, so the person
 * reading the alert sees every problem at once instead of one per run.
 */
export function checkBreakers(ctx: BreakerContext): Breach[] {
  return BREAKER_CHECKS.flatMap((check) => check(ctx));
}
