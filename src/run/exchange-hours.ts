import type { Logger } from 'pino';
import type { ContractInfo } from '../core/types.js';
import type { SessionRules } from '../core/session.js';
import { NYSE_RULES } from '../core/session.js';
import { compareWithCalendar, parseLiquidHours, sessionRulesFromLiquidHours } from '../core/liquid-hours.js';

/**
 * The session rules a run trades by. With IB, the contracts' liquid hours are the source of truth for the
 * days they cover (holidays IB knows and our calendar does not, an unscheduled closure); our NYSE calendar
 * fills in the rest. A disagreement between the two is logged and printed, since one of them is wrong.
 * Contracts without liquid hours (the sim broker) leave our calendar in charge.
 */
export function sessionRulesOf(contracts: Record<string, ContractInfo>, logger: Logger, out: (...lines: string[]) => void): SessionRules {
  const withHours = Object.values(contracts)
    .filter((c) => c.liquidHours !== undefined && c.liquidHours !== '' && c.timeZone !== undefined && c.timeZone !== '')
    .sort((a, b) => a.symbol.localeCompare(b.symbol));
  const first = withHours[0];
  if (first === undefined) return NYSE_RULES;
  try {
    const parsed = parseLiquidHours(first.liquidHours ?? '', first.timeZone ?? '');
    for (const d of compareWithCalendar(parsed)) {
      logger.warn({ symbol: first.symbol, date: d.date, ours: d.ours, ib: d.ib }, 'IB liquid hours disagree with the NYSE calendar');
      out(`warning: IB's liquid hours for ${first.symbol} disagree with our calendar on ${d.date}: ${d.detail}; IB's hours are used`);
    }
    return sessionRulesFromLiquidHours(parsed);
  } catch (error) {
    // Hours we cannot read are not a reason to trust them: our calendar decides, and the log says why.
    logger.warn({ err: error, symbol: first.symbol }, 'unreadable liquid hours; using the NYSE calendar');
    out(`warning: could not read IB's liquid hours for ${first.symbol} (${error instanceof Error ? error.message : String(error)}); using our calendar`);
    return NYSE_RULES;
  }
}
