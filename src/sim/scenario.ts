/**
 * Simulator scenario files, shared by the `sim` broker and the simulated IB Gateway (`SIM_SCENARIO`,
 * `--scenario`). A scenario seeds the simulated account on the first run, and its quotes are the market of
 * every run (static prices). Every field is optional; unknown fields are errors.
 *
 * ```json
 * { "account": "DU0000001", "currency": "USD", "cash": 100000,
 *   "positions": { "AAPL": { "quantity": 100, "avgCost": 150.0 } },
 *   "quotes":    { "AAPL": { "bid": 189.98, "ask": 190.02, "last": 190.0, "close": 188.5 } },
 *   "contracts": { "AAPL": { "minTick": 0.01, "primaryExchange": "NASDAQ", "currency": "USD" } },
 *   "seed": 42,
 *   "fills": { "partialFillProbability": 0.3, "maxStepValue": 250000 },
 *   "rejectSymbols": ["XYZ"] }
 * ```
 *
 * - `account` (default `DU0000001`), `currency` (default `USD`: the base currency), `cash` (default 100000; may be
 *   negative): a number, the cash in the base currency, or cash per currency, each amount may be negative (a
 *   currency IB lends): `"cash": { "SGD": 150000, "USD": 40000, "GBP": -1250.5 }` (a base currency left out holds 0).
 * - `exchangeRates`: per currency other than the base, base-currency units per one unit of it (IB's ExchangeRate):
 *   a number (fixed), or `{ "rate": 1.35, "dailyVol": 0.004 }` to move around it along a deterministic path (see
 *   fx-rates.ts). Every currency in `cash` needs one; a contract in a currency without one is valued as if in the
 *   base currency, as before rates existed.
 * - `positions`: starting positions; `quantity` a non-zero whole number (negative is short), `avgCost` > 0 (per
 *   share, in the contract's currency: pounds for a line quoted in pence, as IB reports it).
 * - `quotes`: `bid`, `ask`, `last`, `close`, each optional, each > 0; bid must not exceed ask. A ticker without
 *   a quote has no market data (the run blocks with MISSING_PRICE).
 * - `contracts`: `minTick` (default 0.01, or 0.0001 when the price is under $1), `primaryExchange`
 *   (default NYSE), `currency` (default the account's). Hours (see exchange-hours.ts): `timeZone` (IB's id as IB
 *   sends it: `GB-Eire`, `MET`, `Japan`, `Hongkong`, `Singapore`, or an IANA name); `liquidHours` (IB's text, sent
 *   verbatim, even empty); or `hours`: `sessions` (one or two `HH:mm-HH:mm` local ranges; default the exchange's
 *   for LSE, LSEETF, IBIS, SGX, SEHK, TSEJ), `closed` (dates), `earlyCloses` (date: `HH:mm`). A market abroad's
 *   holidays come only from `closed`; a US listing without hours follows the NYSE calendar; a listing on another
 *   exchange without hours has none (not traded). `priceMagnifier` (a positive whole number, default 1): as IB's
 *   contract details, quotes, ticks (`minTick`), order limits and execution prices are in 1/priceMagnifier of the
 *   currency: `"priceMagnifier": 100` with `"currency": "GBP"` is an LSE line quoted in pence (3514 = 35.14 GBP);
 *   cash, average costs, the portfolio's market price and value, and NLV stay in pounds. `priceIncrements` (IB's
 *   market rule: `[{ "lowEdge": 0, "increment": 0.001 }, { "lowEdge": 0.25, "increment": 0.005 }, ...]`, sorted by
 *   lowEdge from 0, each increment > 0; default for SEHK HKEX's spread table, for TSEJ TSE's table for ordinary
 *   stocks, see market-rules.ts; else none: `minTick` at every price): a limit price must be a multiple of the
 *   increment of its own band (else error 110), bid and ask are moved onto that grid (bid down, ask up), and `minTick`
 *   defaults to the smallest increment. The tickers the simulated
 *   broker knows are those named in `positions`, `quotes` or `contracts`; an order for any other is rejected (IB
 *   error 200).
 * - `seed`: the seed of the simulator's random draws (fill sizes and prices). Default 1.
 * - `fills.partialFillProbability`: chance, 0..1, that a fill step fills only part of what remains (default 0.2).
 * - `fills.maxStepValue`: most value (quantity x price) one order fills in one 5-minute step, so large orders
 *   take several steps (default 250000).
 * - `rejectSymbols`: tickers whose orders are rejected (IB error 201), to rehearse broker rejections.
 * - `gateway`: faults and foreign orders for the simulated IB Gateway only; see {@link gatewaySectionSchema}.
 * - `events`: scheduled events the simulated account applies as its clock passes them, once each: deposits,
 *   withdrawals, interest, fees and dividends (see scenario-events.ts); splits (see scenario-splits.ts).
 * - `modifyFaults`: per ticker, the race a modification of that ticker's working order runs into, every time one
 *   is asked (by the `sim` broker and through the simulated IB Gateway alike); exactly one of:
 *   - `"fillFirst": "all"`: the order fills its whole remainder just before the change arrives (at its current
 *     limit, an ordinary execution with commission), so the change is refused with 104 as IB refuses it;
 *   - `"fillFirst": "part"`: it fills half its remainder (rounded down, at least 1) first; the change then applies
 *     to the partly filled order, refused (201) when its new total is not above what has filled;
 *   - `"refuse": { "code": 104, "message": "..." }`: the change is refused with that IB code (103, 104, 105, 110,
 *     135, 201 or 2102) and IB's text, or `message`; the order stands as it was;
 *   - `"dropAfter": true`: the change applies, then the connection is lost before it is acknowledged.
 *
 *   ```json
 *   "modifyFaults": { "AAPL": { "fillFirst": "all" }, "SPY": { "refuse": { "code": 2102 } }, "QQQ": { "dropAfter": true } }
 *   ```
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { ContractInfo, Quote } from '../core/types.js';
import { defaultMinTick, type SimMarket } from './universe.js';
import { incrementsProblem } from '../core/limit-price.js';
import { defaultIncrements, quoteOnGrid } from './market-rules.js';
import { contractHoursFields, simHoursOf, type SimHours } from './exchange-hours.js';
import { gatewaySectionSchema } from './scenario-gateway.js';
import { cashEventSchemas } from './scenario-events.js';
import { splitEventSchema } from './scenario-splits.js';
import { exchangeRateSchema } from './fx-rates.js';

const POSITIVE = 'expected a finite number > 0';
const UNIT = 'expected a number in 0..1';
const positive = z.number({ error: POSITIVE }).positive({ error: POSITIVE });
const symbol = z.string().regex(/^[A-Z0-9][A-Z0-9. /-]{0,14}$/, { error: 'expected an upper-case ticker' });
const perSymbol = <T extends z.ZodType>(value: T) => z.record(symbol, value).default({});

const quoteSchema = z
  .strictObject({ bid: positive.optional(), ask: positive.optional(), last: positive.optional(), close: positive.optional() })
  .refine((q) => q.bid === undefined || q.ask === undefined || q.bid <= q.ask, { error: 'bid is above ask', path: ['bid'] });

/** The IB codes a `modifyFaults.<TICKER>.refuse` may name: the refusals the simulated account gives a modification. */
export const MODIFY_REFUSAL_CODES = [103, 104, 105, 110, 135, 201, 2102] as const;

/** One ticker's modification fault: exactly one of `fillFirst`, `refuse`, `dropAfter`. */
function modifyFaultSchema() {
  const codes = MODIFY_REFUSAL_CODES.join(', ');
  return z
    .strictObject({
      fillFirst: z.enum(['all', 'part'], { error: 'expected "all" or "part"' }).optional(),
      refuse: z
        .strictObject({
          code: z
            .number({ error: `expected one of ${codes}` })
            .refine((c) => (MODIFY_REFUSAL_CODES as readonly number[]).includes(c), { error: `expected one of ${codes}` }),
          message: z.string({ error: 'expected a non-empty text' }).min(1, { error: 'expected a non-empty text' }).optional(),
        })
        .optional(),
      dropAfter: z.literal(true, { error: 'expected true' }).optional(),
    })
    .refine((f) => [f.fillFirst, f.refuse, f.dropAfter].filter((x) => x !== undefined).length === 1, {
      error: 'expected exactly one of fillFirst, refuse, dropAfter',
    });
}

/** A ticker's modification fault, as validated. */
export type ModifyFault = z.infer<ReturnType<typeof modifyFaultSchema>>;

export const scenarioSchema = z.strictObject({
  account: z
    .string()
    .regex(/^[A-Z]{1,3}\d+$/, { error: 'expected an IB account id such as DU0000001' })
    .default('DU0000001'),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, { error: 'expected a 3-letter currency code' })
    .default('USD'),
  cash: z
    .union(
      [
        z.number(),
        z
          .record(z.string().regex(/^[A-Z]{3}$/, { error: 'expected a 3-letter currency code' }), z.number())
          .refine((cash) => Object.keys(cash).length > 0, { error: 'expected at least one currency' }),
      ],
      { error: 'expected a finite number, or amounts by 3-letter currency code' },
    )
    .default(100_000),
  exchangeRates: z.record(z.string().regex(/^[A-Z]{3}$/, { error: 'expected a 3-letter currency code' }), exchangeRateSchema).default({}),
  positions: perSymbol(
    z.strictObject({
      quantity: z
        .number({ error: 'expected a whole number' })
        .int({ error: 'expected a whole number' })
        .refine((n) => n !== 0, { error: 'expected a non-zero whole number' }),
      avgCost: positive,
    }),
  ),
  quotes: perSymbol(quoteSchema),
  contracts: perSymbol(
    z.strictObject({
      minTick: positive.optional(),
      primaryExchange: z.string().min(1, { error: 'expected an exchange name' }).optional(),
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/, { error: 'expected a 3-letter currency code' })
        .optional(),
      priceMagnifier: z
        .number({ error: 'expected a positive whole number' })
        .int({ error: 'expected a positive whole number' })
        .positive({ error: 'expected a positive whole number' })
        .optional(),
      priceIncrements: z
        .array(z.strictObject({ lowEdge: z.number({ error: 'expected a number' }), increment: z.number({ error: 'expected a number' }) }))
        .superRefine((bands, ctx) => {
          const problem = incrementsProblem(bands);
          if (problem !== undefined)
            ctx.addIssue({ code: 'custom', message: `${problem} (expected bands sorted by lowEdge from 0, each increment > 0)` });
        })
        .optional(),
      ...contractHoursFields,
    }),
  ),
  seed: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).optional(),
  fills: z
    .strictObject({
      partialFillProbability: z.number({ error: UNIT }).min(0, { error: UNIT }).max(1, { error: UNIT }).optional(),
      maxStepValue: positive.optional(),
    })
    .default({}),
  rejectSymbols: z.array(symbol).default([]),
  gateway: gatewaySectionSchema(symbol).optional(),
  /** Scheduled events, one list for every kind (see scenario-events.ts); add a kind's schema to the union. */
  events: z.array(eventSchema(symbol)).default([]),
  modifyFaults: perSymbol(modifyFaultSchema()),
});

/** One scheduled event: `type` picks its schema. */
function eventSchema<S extends z.ZodType<string>>(sym: S) {
  const options = [...cashEventSchemas(sym), splitEventSchema(sym)] as const;
  const types = options.map((o) => o.shape.type.value).join(', ');
  return z.discriminatedUnion('type', options, { error: `expected "type" one of: ${types}` });
}

/** A validated scenario, with defaults filled in. */
export type Scenario = z.infer<typeof scenarioSchema>;

/** Reads and validates a scenario file; throws a ConfigError "file: field.path: problem". */
export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the scenario: ${(err as Error).message}`, 'SIM_SCENARIO');
  }
  return parseScenario(text, file);
}

/** Validates scenario text (JSON); `file` names it in messages. */
export function parseScenario(text: string, file: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON: ${(err as Error).message}`, 'SIM_SCENARIO');
  }
  const result = scenarioSchema.safeParse(raw);
  if (result.success) {
    const ratesProblem = checkRates(result.data);
    if (ratesProblem !== undefined) throw new ConfigError(`${file}: ${ratesProblem}`, 'SIM_SCENARIO');
    const foreign = result.data.events.findIndex((e) => 'currency' in e && e.currency !== undefined && e.currency !== result.data.currency);
    if (foreign >= 0)
      throw new ConfigError(
        `${file}: events.${foreign}.currency: the simulated account holds only ${result.data.currency}`,
        'SIM_SCENARIO',
      );
    return result.data;
  }
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${where ? `${where}.` : ''}${key}: unknown field`).join('; ');
    if (issue.code === 'invalid_key') return `${where}: expected an upper-case ticker`;
    return `${where || '(root)'}: ${issue.message}`;
  });
  throw new ConfigError(`${file}: ${problems.join('; ')}`, 'SIM_SCENARIO');
}

/** The base currency has no rate (it is 1); every other currency held in `cash` needs one. */
function checkRates(scenario: Scenario): string | undefined {
  if (scenario.exchangeRates[scenario.currency] !== undefined)
    return `exchangeRates.${scenario.currency}: ${scenario.currency} is the base currency (its rate is 1)`;
  if (typeof scenario.cash === 'number') return undefined;
  const missing = Object.keys(scenario.cash).find((c) => c !== scenario.currency && scenario.exchangeRates[c] === undefined);
  return missing === undefined ? undefined : `cash.${missing}: no exchange rate for ${missing}: add exchangeRates.${missing}`;
}

/** The scenario's starting cash: in the base currency, and per other currency (absent when it names none). */
export function scenarioCash(scenario: Pick<Scenario, 'cash' | 'currency'>): { base: number; foreign?: Record<string, number> } {
  if (typeof scenario.cash === 'number') return { base: scenario.cash };
  const foreign = Object.fromEntries(Object.entries(scenario.cash).filter(([c]) => c !== scenario.currency));
  return { base: scenario.cash[scenario.currency] ?? 0, ...(Object.keys(foreign).length > 0 ? { foreign } : {}) };
}

/** The scenario as a static market: the same quotes at every instant. */
export function scenarioMarket(scenario: Scenario): SimMarket {
  const known = [...new Set([...Object.keys(scenario.positions), ...Object.keys(scenario.quotes), ...Object.keys(scenario.contracts)])];
  return {
    symbols: () => [...known],
    contract: (sym) => (known.includes(sym) ? contractOf(scenario, sym) : undefined),
    hoursOf: (sym): SimHours | undefined => (known.includes(sym) ? simHoursOf(scenario.contracts[sym] ?? {}) : undefined),
    quoteAt: (sym): Quote | undefined => {
      const q = scenario.quotes[sym];
      return q && quoteOnGrid({ symbol: sym, ...q }, known.includes(sym) ? contractOf(scenario, sym) : undefined);
    },
  };
}

function contractOf(scenario: Scenario, sym: string): ContractInfo {
  const c = scenario.contracts[sym] ?? {};
  const q = scenario.quotes[sym];
  const price =
    q?.last ??
    (q?.bid !== undefined && q.ask !== undefined ? (q.bid + q.ask) / 2 : undefined) ??
    q?.bid ??
    q?.ask ??
    // avgCost is in the currency itself, quotes in its 1/magnifier units.
    (scenario.positions[sym]?.avgCost ?? 1) * (c.priceMagnifier ?? 1);
  const primaryExchange = c.primaryExchange ?? 'NYSE';
  const bands = c.priceIncrements ?? defaultIncrements(primaryExchange);
  return {
    symbol: sym,
    // IB's minTick is the smallest increment of the listing's rule.
    minTick: c.minTick ?? (bands === undefined ? defaultMinTick(price) : Math.min(...bands.map((b) => b.increment))),
    primaryExchange,
    ...(bands === undefined ? {} : { priceIncrements: bands }),
    currency: c.currency ?? scenario.currency,
    ...(c.priceMagnifier === undefined || c.priceMagnifier === 1 ? {} : { priceMagnifier: c.priceMagnifier }),
  };
}
