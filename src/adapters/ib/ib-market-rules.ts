/**
 * IB's market rules (reqMarketRule): the price bands a listing's limit prices must conform to (error 110 otherwise).
 * Each rule is asked once per session (many contracts share one: every US stock carries rule 26 or 557), with the
 * same deadline and pacing as other requests. A rule that does not come in time, or comes malformed (no bands, not
 * sorted from 0, an increment that is not positive), is a problem to report, never a guess.
 */
import { incrementsProblem } from '../../core/limit-price.js';
import type { PriceIncrement } from '../../core/types.js';
import type { IbSession } from './ib-session.js';

/** A rule's bands, or why they cannot be used. */
export type MarketRuleAnswer = { increments: readonly PriceIncrement[] } | { problem: string };

/** The rules asked on each session: answered ones are kept; one that failed is asked again by the next read. */
const ASKED = new WeakMap<IbSession, Map<number, Promise<MarketRuleAnswer>>>();

/** The bands of a market rule, from this session's earlier answer or from IB. Rejects only when the session fails. */
export function readMarketRule(session: IbSession, ruleId: number, timeoutMs: number): Promise<MarketRuleAnswer> {
  let asked = ASKED.get(session);
  if (asked === undefined) {
    asked = new Map();
    ASKED.set(session, asked);
  }
  const known = asked.get(ruleId);
  if (known !== undefined) return known;
  const rules = asked;
  const answer = requestMarketRule(session, ruleId, timeoutMs).then(
    (result) => {
      if ('problem' in result) rules.delete(ruleId);
      return result;
    },
    (error: unknown) => {
      rules.delete(ruleId);
      throw error;
    },
  );
  rules.set(ruleId, answer);
  return answer;
}

function requestMarketRule(session: IbSession, ruleId: number, timeoutMs: number): Promise<MarketRuleAnswer> {
  return session.operation<MarketRuleAnswer>({
    label: `market rule ${ruleId}`,
    timeoutMs,
    listen: (ctx) => [session.events.on('marketRule', (id, increments) => id === ruleId && ctx.resolve(toIncrements(increments)))],
    onTimeout: (ctx) => ctx.resolve({ problem: `IB did not send market rule ${ruleId} (its price increments) within ${timeoutMs} ms` }),
    send: (api) => api.reqMarketRule(ruleId),
  });
}

/** The decoded bands, checked: each a finite lowEdge and increment, sorted from 0, every increment positive. */
export function toIncrements(raw: readonly unknown[]): MarketRuleAnswer {
  const bands: PriceIncrement[] = [];
  for (const item of raw) {
    const band = item as { lowEdge?: unknown; increment?: unknown } | null;
    const lowEdge = band?.lowEdge;
    const increment = band?.increment;
    if (typeof lowEdge !== 'number' || typeof increment !== 'number') {
      return { problem: `IB sent a price band without numbers: ${JSON.stringify(item)}` };
    }
    bands.push({ lowEdge, increment });
  }
  const problem = incrementsProblem(bands);
  return problem === undefined ? { increments: bands } : { problem: `IB's price bands are unusable: ${problem}` };
}
