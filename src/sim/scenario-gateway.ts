/**
 * The `gateway` section of a scenario: what only the simulated IB Gateway (`rebalancer gateway`) reads. The
 * `sim` broker ignores it. Every field is optional; unknown fields are errors.
 *
 * ```json
 * "gateway": {
 *   "faults": {
 *     "rejectOrders": { "AAPL": { "code": 201, "message": "Order rejected - reason: insufficient margin" } },
 *     "readOnlyApi": false, "unknownContracts": ["XYZ"], "noMarketDataPermission": ["MSFT"],
 *     "delayedData": false, "noSnapshotEnd": ["SPY"], "answerDelayMs": 0, "snapshotDelayMs": 0,
 *     "dropConnectionAfterMessages": null, "dropConnectionAfterOrders": null,
 *     "connectivityLost": { "afterMessages": 10, "restoreAfterMs": 500 }, "pacingLimitPerSecond": 50,
 *     "restart": { "afterOrders": 2, "awayMs": 3000 } },
 *   "foreignOrders": [ { "symbol": "AAPL", "action": "BUY", "quantity": 10, "limitPrice": 150, "clientId": 0, "orderRef": "manual" } ]
 * }
 * ```
 *
 * `faults` (each one off by default):
 * - `rejectOrders`: ticker -> `{ code, message? }`. Every order for the ticker is refused with that IB error
 *   (201 rejected, 110 price increment, 103 duplicate id, 451 value limit), sent with the order id as its id;
 *   201 is followed by an orderStatus `Inactive`, 110 and 451 by `Cancelled`, 103 by nothing. `message`
 *   defaults to IB's usual text for the code.
 * - `readOnlyApi`: the API is in Read-Only mode: placing or cancelling orders gets error 321; data still flows.
 * - `unknownContracts`: tickers IB does not know: contract details, market data and orders get error 200.
 * - `noMarketDataPermission`: tickers without a market data subscription: a snapshot gets error 354.
 * - `delayedData`: the account has no live data at all: a client that asked for delayed data
 *   (reqMarketDataType 3 or 4) gets notice 10167 and delayed ticks (66/67/68/75), any other gets 354.
 * - `noSnapshotEnd`: tickers whose snapshot never ends (no tickSnapshotEnd), as when IB's 11 s timer is lost.
 * - `answerDelayMs`: every frame the gateway sends leaves this long after it was due (0..600000).
 * - `snapshotDelayMs`: a snapshot's ticks leave this long after the request (realistic: 100-300).
 * - `dropConnectionAfterMessages`: N: on each connection, the gateway acts on the Nth client message
 *   (START_API is the first) and then destroys the socket before answering it.
 * - `dropConnectionAfterOrders`: K: the same after the Kth placeOrder of a connection, which is accepted
 *   (it works at IB) but never acknowledged.
 * - `connectivityLost`: once per gateway run, after a connection's `afterMessages`-th message is answered,
 *   every client gets info 1100; messages are then held unanswered for `restoreAfterMs`, then every client
 *   gets 1102 ("data maintained") and the held messages are answered in order.
 * - `pacingLimitPerSecond`: client messages allowed in any 1-second window (IB: 50); each one over gets
 *   error 100, and is still processed.
 * - `correctExecutions`: ticker -> `{ price, afterMs? }`. IB corrects each execution of the ticker: `afterMs`
 *   (default 0) after the gateway first sent it, every answer to reqExecutions carries, after the original, a
 *   correction under the same execId with the suffix after its last period one higher (`....01` -> `....02`),
 *   the same shares at `price`, and its own commission report; a client connected when it falls due gets it as
 *   a live execDetails. The simulated account (positions, cash) keeps the original figures.
 * - `lateCommissionReports`: ticker -> delay in ms, or null for never. The commission report of each of the
 *   ticker's executions (and corrections) is sent no earlier than that long after the gateway first sent the
 *   execution: later on a connection still open, or with the execution in a later answer; null: never sent.
 * - `restart`: `{ afterMessages | afterOrders, awayMs }`. IB Gateway's daily restart, in the middle of a run:
 *   once per gateway run, when a connection comes to its `afterMessages`-th message (START_API is the first) or
 *   its `afterOrders`-th placeOrder, the gateway goes away before acting on it (the message is lost), closes
 *   every socket and refuses connections for `awayMs`; then it listens on the same port again, in front of the
 *   same account: working orders still work, the day's executions are still served, and the next valid order id
 *   is again one above the highest id it received (an id lost in the restart is handed out again).
 * - `orderStatusLagMs`: the ORDER_STATUS that follows an order's OPEN_ORDER when the order changes (a fill, a
 *   cancel) leaves this long after it. TWS sends them as two messages: a client reads the openOrder (its OrderState
 *   already says `Filled`, with no filled quantity) and may act before the orderStatus that carries the figures.
 * - `marketRuleDelays`: market rule id (`"1704"`) -> delay in ms, or null for never: reqMarketRule for that rule is
 *   answered that long after it is asked, or not at all (as when IB loses the request).
 * - `fxQuotes`: IDEALPRO pair (`"USD.SGD"`, as IB lists it) -> `{ bid, ask }`: the pair's snapshot carries these
 *   instead of its quote around the rate; null for a side IB does not quote (sent as -1, size 0), any number (0, a
 *   negative, a bid above the ask) as it is. `noMarketDataPermission` and `noSnapshotEnd` take pairs too.
 *
 * `ledger`: how the account's cash ledger reaches the client (see src/gateway/account/account-values.ts):
 * - `keyPrefix`: `"none"` (default: `CashBalance`...), `"updates"`: the ledger keys of reqAccountUpdates and
 *   reqAccountUpdatesMulti spelled `$LEDGER-CashBalance`..., as TWS does since May 2026 with the setting "Prepend
 *   "$LEDGER-" prefix to per-currency account values" (on by default for new users); `"all"`: the account
 *   summary's `$LEDGER` rows too (IB does not say whether the setting reaches them).
 * - `exchangeRateText`: currency -> the text sent as that currency's ExchangeRate instead of the rate (`""`,
 *   `"0"`, `"-1.2"`, `"n/a"`...), or null to leave its ExchangeRate row out: a rate a client must not use.
 *
 * `foreignOrders`: open orders placed outside this API client (another client id, or by hand in TWS), added
 * when the gateway creates a new simulation (not on later starts: they live in the simulated account from
 * then on). `clientId` defaults to 0, `orderRef` to "", and an order has the Adaptive algo only when
 * `adaptivePriority` is given.
 */
import { z } from 'zod';

const MAX_DELAY_MS = 600_000;
const WHOLE = 'expected a whole number';
const POSITIVE_WHOLE = 'expected a whole number > 0';
const delayMs = z
  .number({ error: WHOLE })
  .int({ error: WHOLE })
  .min(0, { error: 'expected 0 or more' })
  .max(MAX_DELAY_MS, { error: `expected at most ${MAX_DELAY_MS}` });
const positiveWhole = z.number({ error: POSITIVE_WHOLE }).int({ error: POSITIVE_WHOLE }).positive({ error: POSITIVE_WHOLE });
const REJECT_CODES = [201, 110, 103, 451] as const;
const fxSide = z.number({ error: 'expected a number or null' }).nullable();

/** The section's schema, over the scenario's own ticker schema (one definition of a ticker). */
export function gatewaySectionSchema(ticker: z.ZodType<string>) {
  const faults = z.strictObject({
    rejectOrders: z
      .record(
        ticker,
        z.strictObject({
          code: z.literal(REJECT_CODES, { error: `expected one of ${REJECT_CODES.join(', ')}` }),
          message: z.string().min(1, { error: 'expected a message' }).optional(),
        }),
      )
      .default({}),
    readOnlyApi: z.boolean({ error: 'expected true or false' }).default(false),
    unknownContracts: z.array(ticker).default([]),
    noMarketDataPermission: z.array(ticker).default([]),
    delayedData: z.boolean({ error: 'expected true or false' }).default(false),
    noSnapshotEnd: z.array(ticker).default([]),
    answerDelayMs: delayMs.default(0),
    snapshotDelayMs: delayMs.default(0),
    dropConnectionAfterMessages: positiveWhole.nullable().default(null),
    dropConnectionAfterOrders: positiveWhole.nullable().default(null),
    connectivityLost: z.strictObject({ afterMessages: positiveWhole, restoreAfterMs: delayMs }).nullable().default(null),
    pacingLimitPerSecond: positiveWhole.default(50),
    correctExecutions: z
      .record(
        ticker,
        z.strictObject({
          price: z.number({ error: 'expected a number > 0' }).positive({ error: 'expected a number > 0' }),
          afterMs: delayMs.default(0),
        }),
      )
      .default({}),
    lateCommissionReports: z.record(ticker, delayMs.nullable()).default({}),
    orderStatusLagMs: delayMs.default(0),
    marketRuleDelays: z.record(z.string().regex(/^\d+$/, { error: 'expected a market rule id' }), delayMs.nullable()).default({}),
    restart: z
      .strictObject({ afterMessages: positiveWhole.optional(), afterOrders: positiveWhole.optional(), awayMs: delayMs })
      .refine((r) => (r.afterMessages === undefined) !== (r.afterOrders === undefined), {
        error: 'expected exactly one of afterMessages and afterOrders',
      })
      .nullable()
      .default(null),
    fxQuotes: z
      .record(
        z.string().regex(/^[A-Z]{3}\.[A-Z]{3}$/, { error: 'expected a pair as IB lists it: "USD.SGD"' }),
        z.strictObject({ bid: fxSide, ask: fxSide }),
      )
      .optional(),
  });
  const foreignOrder = z.strictObject({
    symbol: ticker,
    action: z.enum(['BUY', 'SELL'], { error: 'expected BUY or SELL' }),
    quantity: positiveWhole,
    limitPrice: z.number({ error: 'expected a number > 0' }).positive({ error: 'expected a number > 0' }),
    clientId: z.number({ error: WHOLE }).int({ error: WHOLE }).min(0, { error: 'expected 0 or more' }).default(0),
    orderRef: z.string({ error: 'expected a string' }).default(''),
    adaptivePriority: z.enum(['Patient', 'Normal', 'Urgent'], { error: 'expected Patient, Normal or Urgent' }).optional(),
  });
  const ledger = z.strictObject({
    keyPrefix: z.enum(['none', 'updates', 'all'], { error: 'expected "none", "updates" or "all"' }).default('none'),
    exchangeRateText: z
      .record(
        z.string().regex(/^[A-Z]{3}$/, { error: 'expected a 3-letter currency code' }),
        z.string({ error: 'expected a text or null' }).nullable(),
      )
      .default({}),
  });
  // prefault, not default: zod 4 returns a default as is, and the inner defaults must still apply.
  return z.strictObject({
    faults: faults.prefault({}),
    foreignOrders: z.array(foreignOrder).default([]),
    ledger: ledger.optional(),
  });
}

/** A validated `gateway` section, with defaults filled in. */
export type GatewaySection = z.infer<ReturnType<typeof gatewaySectionSchema>>;
export type GatewayFaults = GatewaySection['faults'];
export type ForeignOrder = GatewaySection['foreignOrders'][number];
export type LedgerStyle = NonNullable<GatewaySection['ledger']>;

/** The section of a scenario without one: no faults, no foreign orders. */
export function defaultGatewaySection(): GatewaySection {
  return gatewaySectionSchema(z.string()).parse({});
}
