import { marketRuleById } from '../../sim/market-rules.js';
import { marketRule } from '../encode/encode-market-data.js';
import { parseMarketRule } from '../parse/parse-requests.js';
import type { ClientLink, GatewayContext } from '../session/context.js';

/**
 * REQ_MARKET_RULE: the rule's price bands (MARKET_RULE), the rule ids the contract details list (sim/market-rules.ts).
 * A rule no contract has is not answered (the client's request times out), and the scenario's `marketRuleDelays`
 * holds a rule's answer back, or forever.
 */
export function handleMarketRule(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  const id = parseMarketRule(fields);
  const rule = marketRuleById(ctx.account.market, id);
  if (rule === undefined) return;
  const delay = ctx.faults.marketRuleDelays[String(id)];
  if (delay === null) return;
  link.sendLater(delay ?? 0, () => [marketRule(rule.id, rule.increments)]);
}
