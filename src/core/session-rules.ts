import type { ContractInfo } from './types.js';
import { NYSE_RULES, type SessionRules } from './session.js';
import { compareWithCalendar, parseLiquidHours, sessionRulesFromLiquidHours, type CalendarDisagreement } from './liquid-hours.js';

/** The session rules a run trades by, where they came from, and what a person should know about them. */
export interface SessionRulesChoice {
  rules: SessionRules;
  /** 'liquid-hours' when a contract's hours from the broker decide; 'nyse' when our calendar does. */
  source: 'liquid-hours' | 'nyse';
  /** The contract whose hours were read, when one was. */
  symbol?: string;
  /** Disagreements with our calendar, or why the hours could not be used: one readable line each. */
  warnings: string[];
  /** The same, as data for the log. */
  disagreements: CalendarDisagreement[];
  unreadable?: string;
}

/**
 * The session rules of a run, computed once from the gathered contracts. With IB, the contracts' liquid hours
 * are the source of truth for the days they cover (holidays IB knows and our calendar does not, an unscheduled
 * closure); our NYSE calendar fills in the rest. A disagreement between the two is reported, since one of them
 * is wrong. Contracts without liquid hours (the sim broker) leave our calendar in charge, as do hours that
 * cannot be read. Pure.
 */
export function sessionRulesOf(contracts: Record<string, ContractInfo>): SessionRulesChoice {
  const withHours = Object.values(contracts)
    .filter((c) => c.liquidHours !== undefined && c.liquidHours !== '' && c.timeZone !== undefined && c.timeZone !== '')
    .sort((a, b) => a.symbol.localeCompare(b.symbol));
  const first = withHours[0];
  if (first === undefined) return { rules: NYSE_RULES, source: 'nyse', warnings: [], disagreements: [] };
  try {
    const parsed = parseLiquidHours(first.liquidHours ?? '', first.timeZone ?? '');
    const disagreements = compareWithCalendar(parsed, NYSE_RULES);
    return {
      rules: sessionRulesFromLiquidHours(parsed, NYSE_RULES),
      source: 'liquid-hours',
      symbol: first.symbol,
      warnings: disagreements.map(
        (d) => `IB's liquid hours for ${first.symbol} disagree with our calendar on ${d.date}: ${d.detail}; IB's hours are used`,
      ),
      disagreements,
    };
  } catch (error) {
    // Hours we cannot read are not a reason to trust them: our calendar decides, and the warning says why.
    const reason = error instanceof Error ? error.message : String(error);
    return {
      rules: NYSE_RULES,
      source: 'nyse',
      symbol: first.symbol,
      warnings: [`could not read IB's liquid hours for ${first.symbol} (${reason}); using our calendar`],
      disagreements: [],
      unreadable: reason,
    };
  }
}
