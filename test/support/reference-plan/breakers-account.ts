// Test-only reference copy of src/core at 3c340bb (see test/support/reference-plan.ts). Do not edit.
/**
 * Account-level circuit breakers: is the NLV usable, did it jump, did the day lose too much, is the margin
 * cushion thin. Each returns its breaches; none needs the plan lines.
 */
import { breach, exceeds, formatPct, percentFrom, percentOf, usableNetLiquidation, type BreakerContext } from './breakers-common.js';
import { Exact, formatMoney } from './money.js';
import type { Breach } from '../../../src/core/types.js';

/**
 * BROKER_ERROR when NLV is not a finite positive number. Every ratio check skips itself then, so this one
 * breach says what is wrong instead of a dozen ratios of garbage.
 */
export function checkNetLiquidation(ctx: BreakerContext): Breach[] {
  const nlv = ctx.inputs.account.netLiquidation;
  if (usableNetLiquidation(ctx) !== undefined) return [];
  return [breach('BROKER_ERROR', `net liquidation ${String(nlv)} is not a finite positive number; ratio checks skipped`)];
}

/**
 * NAV_JUMP when NLV moved more than maxNavJumpPct from the last snapshot, either way: a sudden jump is more
 * often a bad figure (wrong account, currency, missing positions) than a real gain, so a person looks first.
 */
export function checkNavJump(ctx: BreakerContext): Breach[] {
  const nlv = usableNetLiquidation(ctx);
  const last = ctx.inputs.lastNetLiquidation;
  if (nlv === undefined || last === undefined) return [];
  const max = ctx.inputs.limits.maxNavJumpPct;
  // Money that came in or went out since is not a jump: it is taken out before comparing.
  const flows = ctx.inputs.cashFlows?.sinceLastSnapshot ?? 0;
  const moved = new Exact(nlv).minus(flows).toNumber();
  // |last| so a zero or garbage last snapshot gives an infinite or NaN change, which trips (fail closed).
  const changePct = percentFrom(moved, last);
  if (!exceeds(changePct, max)) return [];
  return [
    breach(
      'NAV_JUMP',
      `NLV ${formatMoney(nlv)}${describeFlows(flows, 'since')} vs last snapshot ${formatMoney(last)}: change ${formatPct(changePct)} > max ${formatPct(max)}`,
    ),
  ];
}

/** ", of which +15,000.00 came in since" / "" when no money moved. */
function describeFlows(flows: number, since: string): string {
  if (flows === 0) return '';
  return ` (${flows > 0 ? '+' : ''}${formatMoney(flows)} ${flows > 0 ? 'came in' : 'went out'} ${since}: taken out)`;
}

/**
 * DAILY_LOSS_LIMIT when NLV fell more than maxDailyLossPct below the start of the day. Gains never trip.
 * The run turns this breach into the kill switch, so it stays on until a person resumes.
 */
export function checkDailyLoss(ctx: BreakerContext): Breach[] {
  const nlv = usableNetLiquidation(ctx);
  const start = ctx.inputs.startOfDayNetLiquidation;
  if (nlv === undefined || start === undefined) return [];
  const max = ctx.inputs.limits.maxDailyLossPct;
  // A withdrawal is not a loss, a deposit not a gain: the day's flows are taken out of NLV before comparing.
  const flows = ctx.inputs.cashFlows?.sinceStartOfDay ?? 0;
  // A start of day that is not a positive number cannot measure a loss: it trips rather than pass unchecked.
  const lossPct = Number.isFinite(start) && start > 0 ? percentOf(new Exact(start).minus(new Exact(nlv).minus(flows)), start) : Number.NaN;
  if (!exceeds(lossPct, max)) return [];
  return [
    breach(
      'DAILY_LOSS_LIMIT',
      `NLV ${formatMoney(nlv)}${describeFlows(flows, 'today')} vs start of day ${formatMoney(start)}: loss ${formatPct(lossPct)} > max ${formatPct(max)}`,
    ),
  ];
}

/**
 * MARGIN_CUSHION when IB's cushion (excess liquidity / NLV, a fraction) is below minCushion. A cushion the
 * broker did not report (NaN) is not judged here: NLV and the other figures carry the run.
 */
export function checkMarginCushion(ctx: BreakerContext): Breach[] {
  const cushion = ctx.inputs.account.cushion;
  const min = ctx.inputs.limits.minCushion;
  if (!Number.isFinite(cushion) || new Exact(cushion).gte(min)) return [];
  return [
    breach(
      'MARGIN_CUSHION',
      `cushion ${cushion.toFixed(4)} (${formatPct(new Exact(cushion).times(100))}) < min ${min.toFixed(4)} (${formatPct(new Exact(min).times(100))})`,
    ),
  ];
}
