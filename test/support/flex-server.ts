/**
 * A local IB Flex Web Service (version 3) for the tests: node:http on 127.0.0.1, a port the kernel picks. It
 * serves SendRequest and GetStatement as IB documents them, from executions in the project's Execution shape
 * rendered as IB renders them, and as hard as IB:
 * - the token and the query id are checked (1015 invalid token, 1012 expired, 1014 query invalid, 1013 IP
 *   restriction, 1020 a request without v=3 or without a User-Agent);
 * - IB's pacing per token: more than one request a second or 10 a minute is answered 1018;
 * - a statement is "generating" (Warn 1019) a given number of times before it is served; a reference code it
 *   never issued is 1017;
 * - an Activity statement (Trades > Trade: ibExecID, ibOrderID, tradePrice, ibCommission) or a Trade
 *   Confirmation statement (TradeConfirms > TradeConfirm: execID, orderID, price, commission), each with the
 *   order-level rows IB adds when Orders is ticked (Order elements, levelOfDetail ORDER), sale quantities and
 *   commissions negative, times in New York time as `yyyyMMdd;HHmmss`;
 * - the query's own period unless SendRequest overrides it with fd/td (up to 365 days);
 * - IB's timing: an Activity statement holds only days IB has closed (one that reaches the current New York day is
 *   1003, "statement is not available"); a Trade Confirmation statement shows an execution only some minutes after
 *   it (IB: 5 to 10).
 * Faults, each for the next request (or for every request): any error code, an HTTP status, a slow answer,
 * malformed XML, a body of the test's choosing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { Exact } from '../../src/core/money.js';
import type { Execution } from '../../src/core/types.js';
import type { StatementCashTransaction, StatementCorporateAction } from '../../src/ports/statements.js';

const NY = 'America/New_York';
/** IB's path of the service. */
const PATH = '/AccountManagement/FlexWebService';

/** IB's documented messages (version 3). */
export const FLEX_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  1001: 'Statement could not be generated at this time. Please try again shortly.',
  1003: 'Statement is not available.',
  1004: 'Statement is incomplete at this time. Please try again shortly.',
  1005: 'Settlement data is not ready at this time. Please try again shortly.',
  1006: 'FIFO P/L data is not ready at this time. Please try again shortly.',
  1007: 'MTM P/L data is not ready at this time. Please try again shortly.',
  1008: 'MTM and FIFO P/L data is not ready at this time. Please try again shortly.',
  1009: 'The server is under heavy load. Statement could not be generated at this time. Please try again shortly.',
  1010: 'Legacy Flex Queries are no longer supported. Please convert over to Activity Flex.',
  1011: 'Service account is inactive.',
  1012: 'Token has expired.',
  1013: 'IP restriction.',
  1014: 'Query is invalid.',
  1015: 'Token is invalid.',
  1016: 'Account in invalid.',
  1017: 'Reference code is invalid.',
  1018: 'Too many requests have been made from this token. Please try again shortly.',
  1019: 'Statement generation in progress. Please try again shortly.',
  1020: 'Invalid request or unable to validate request.',
  1021: 'Statement could not be retrieved at this time. Please try again shortly.',
};

export type FlexStep = 'SendRequest' | 'GetStatement';

export type FlexFault =
  /** A FlexStatementResponse with this code (Status Warn for 1019, Fail otherwise). */
  | { kind: 'code'; code: number }
  | { kind: 'http'; status: number }
  /** The answer comes after this long (the request is served meanwhile). */
  | { kind: 'slow'; ms: number }
  /** XML cut short. */
  | { kind: 'malformed' }
  | { kind: 'body'; text: string };

export interface FlexFaultRule {
  fault: FlexFault;
  /** Which step it hits; both when unset. */
  step?: FlexStep;
  /** How many requests it hits (default 1); Infinity for all. */
  times?: number;
}

export interface FlexPacingRule {
  minIntervalMs: number;
  perWindow: number;
  windowMs: number;
}

export interface FlexServerOptions {
  /** The valid token and query id. */
  token: string;
  queryId: string;
  account: string;
  executions?: Execution[];
  /** Executions of another account the same query covers (a second FlexStatement). */
  otherAccounts?: { account: string; executions: Execution[] }[];
  cashTransactions?: StatementCashTransaction[];
  corporateActions?: StatementCorporateAction[];
  /** 'AF': Activity Flex Query (default); 'TCF': Trade Confirmation Flex Query. */
  queryType?: 'AF' | 'TCF';
  /** The query's own period (YYYY-MM-DD), used when SendRequest gives no fd/td. Default: the last 7 days to yesterday. */
  period?: { fromDate: string; toDate: string; name?: string };
  /** False: fd/td are ignored, as if IB served the query's own period. */
  honourDateOverride?: boolean;
  /** GetStatement answers 1019 this many times for each reference code before serving it. */
  generating?: number;
  expiredTokens?: string[];
  /** Requests from any other address are 1013. */
  allowedIp?: string;
  /** Default IB's: one a second, 10 a minute. */
  pacing?: FlexPacingRule;
  /** Order-level rows (Order elements) beside the executions, as when Orders is ticked. Default true. */
  orderRows?: boolean;
  /** Date Format of the query: yyyyMMdd (IB's default) or yyyy-MM-dd; Time Format HHmmss (default) or HH:mm:ss. */
  dateFormat?: 'yyyyMMdd' | 'yyyy-MM-dd';
  timeFormat?: 'HHmmss' | 'HH:mm:ss';
  /** The server's clock (default the machine's): what "today" and "minutes ago" mean. */
  now?: () => Date;
  /** Minutes before an execution shows in a Trade Confirmation statement (default 10, as IB says 5 to 10). */
  confirmationDelayMinutes?: number;
  /** Attributes left out of every execution row (a query without those fields). */
  omitFields?: string[];
  /** Attributes added to (or replacing those of) every execution row. */
  extraFields?: Record<string, string>;
  /** Leave out the Trades / TradeConfirms section altogether (a query without it). */
  noTradesSection?: boolean;
}

export interface FlexRequestRecord {
  step: FlexStep | 'other';
  /** The query parameters, the token replaced by "<token>" when it is the valid one. */
  params: Record<string, string>;
  userAgent: string | undefined;
  at: number;
  /** The code or HTTP status answered. */
  answer: string;
}

export interface FlexServer {
  /** The base URL (FLEX_URL): SendRequest and GetStatement are below it. */
  url: string;
  requests: FlexRequestRecord[];
  /** Faults for the next requests, in order of checking. */
  fault(rule: FlexFaultRule): void;
  /** Changes the served data or behaviour for later requests. */
  update(changes: Partial<FlexServerOptions>): void;
  close(): Promise<void>;
}

interface Pending {
  fromDate: string;
  toDate: string;
  polls: number;
}

export async function startFlexServer(initial: FlexServerOptions): Promise<FlexServer> {
  let options: FlexServerOptions = { ...initial };
  const rules: (FlexFaultRule & { left: number })[] = [];
  const requests: FlexRequestRecord[] = [];
  const pending = new Map<string, Pending>();
  const sentByToken = new Map<string, number[]>();
  let nextReference = 7_000_000_001;
  let base = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const params = Object.fromEntries(url.searchParams);
    const step: FlexStep | 'other' =
      url.pathname === `${PATH}/SendRequest` ? 'SendRequest' : url.pathname === `${PATH}/GetStatement` ? 'GetStatement' : 'other';
    const record: FlexRequestRecord = {
      step,
      params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, k === 't' && v === options.token ? '<token>' : v])),
      userAgent: req.headers['user-agent'],
      at: performance.now(),
      answer: '',
    };
    requests.push(record);
    const send = (status: number, body: string) => {
      record.answer ||= String(status);
      res.writeHead(status, { 'Content-Type': 'text/xml;charset=UTF-8' });
      res.end(body);
    };
    const fail = (code: number) => {
      record.answer = String(code);
      send(200, errorResponse(code));
    };
    if (step === 'other') return send(404, '<html><body>Not Found</body></html>');

    // Faults first: they stand for what IB or the network does, whatever the request.
    const rule = rules.find((r) => r.left > 0 && (r.step === undefined || r.step === step));
    if (rule !== undefined) {
      rule.left -= 1;
      const f = rule.fault;
      if (f.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, f.ms));
      else if (f.kind === 'code') return fail(f.code);
      else if (f.kind === 'http') return send(f.status, `<html><body>HTTP ${f.status}</body></html>`);
      else if (f.kind === 'malformed')
        return send(200, '<FlexQueryResponse queryName="rebalancer" type="AF"><FlexStatements count="1"><FlexStatement accountId="');
      else return send(200, f.text);
    }

    const token = params['t'] ?? '';
    if (params['v'] !== '3' || req.headers['user-agent'] === undefined || req.headers['user-agent'] === '') return fail(1020);
    if (options.expiredTokens?.includes(token)) return fail(1012);
    if (token !== options.token) return fail(1015);
    if (options.allowedIp !== undefined && req.socket.remoteAddress !== options.allowedIp) return fail(1013);
    // IB's pacing, per token: one a second, 10 a minute.
    const pacing = options.pacing ?? { minIntervalMs: 1000, perWindow: 10, windowMs: 60_000 };
    const now = performance.now();
    const sent = (sentByToken.get(token) ?? []).filter((t) => t > now - pacing.windowMs);
    const last = sent.at(-1);
    const tooSoon = last !== undefined && now - last < pacing.minIntervalMs;
    sent.push(now);
    sentByToken.set(token, sent);
    if (tooSoon || sent.length > pacing.perWindow) return fail(1018);

    if (step === 'SendRequest') {
      if (params['q'] !== options.queryId) return fail(1014);
      const period = periodOf(options, params['fd'], params['td']);
      if (period === undefined) return fail(1020);
      const today = DateTime.fromJSDate(clock(options)).setZone(NY).toISODate() ?? '';
      if ((options.queryType ?? 'AF') === 'AF' && period.toDate >= today) return fail(1003);
      const reference = String(nextReference++);
      pending.set(reference, { ...period, polls: 0 });
      record.answer = 'Success';
      return send(200, successResponse(reference, `${base}/GetStatement`));
    }
    const entry = pending.get(params['q'] ?? '');
    if (entry === undefined) return fail(1017);
    if (entry.polls < (options.generating ?? 0)) {
      entry.polls += 1;
      return fail(1019);
    }
    record.answer = 'statement';
    return send(200, renderStatement(options, entry.fromDate, entry.toDate));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}${PATH}`;

  return {
    url: base,
    requests,
    fault: (rule) => rules.push({ ...rule, left: rule.times ?? 1 }),
    update: (changes) => {
      options = { ...options, ...changes };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// IB's documents
// ---------------------------------------------------------------------------------------------------------

function clock(options: FlexServerOptions): Date {
  return options.now?.() ?? new Date();
}

function timestamp(): string {
  return DateTime.now().setZone(NY).toFormat('dd LLLL, yyyy hh:mm a ZZZZ');
}

function successResponse(reference: string, getUrl: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<FlexStatementResponse timestamp="${timestamp()}">`,
    '<Status>Success</Status>',
    `<ReferenceCode>${reference}</ReferenceCode>`,
    `<Url>${escape(getUrl)}</Url>`,
    '</FlexStatementResponse>',
    '',
  ].join('\n');
}

export function errorResponse(code: number): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<FlexStatementResponse timestamp="${timestamp()}">`,
    `<Status>${code === 1019 ? 'Warn' : 'Fail'}</Status>`,
    `<ErrorCode>${code}</ErrorCode>`,
    `<ErrorMessage>${escape(FLEX_ERROR_MESSAGES[code] ?? 'Unknown error.')}</ErrorMessage>`,
    '</FlexStatementResponse>',
    '',
  ].join('\n');
}

function periodOf(
  options: FlexServerOptions,
  fd: string | undefined,
  td: string | undefined,
): { fromDate: string; toDate: string } | undefined {
  if (fd !== undefined && td !== undefined && options.honourDateOverride !== false) {
    const from = DateTime.fromFormat(fd, 'yyyyMMdd', { zone: 'UTC' });
    const to = DateTime.fromFormat(td, 'yyyyMMdd', { zone: 'UTC' });
    if (!from.isValid || !to.isValid || to < from || to.diff(from, 'days').days >= 365) return undefined;
    return { fromDate: from.toISODate() ?? '', toDate: to.toISODate() ?? '' };
  }
  if (options.period !== undefined) return options.period;
  const yesterday = DateTime.fromJSDate(clock(options)).setZone(NY).minus({ days: 1 });
  return { fromDate: yesterday.minus({ days: 6 }).toISODate() ?? '', toDate: yesterday.toISODate() ?? '' };
}

/** The statement IB would serve for fromDate..toDate. */
export function renderStatement(options: FlexServerOptions, fromDate: string, toDate: string): string {
  const type = options.queryType ?? 'AF';
  const date = (d: string) => (options.dateFormat === 'yyyy-MM-dd' ? d : d.replaceAll('-', ''));
  const dateTime = (iso: string) => {
    const ny = DateTime.fromISO(iso, { zone: 'UTC' }).setZone(NY);
    return `${date(ny.toISODate() ?? '')};${ny.toFormat(options.timeFormat ?? 'HHmmss')}`;
  };
  const shownAfter = clock(options).getTime() - (type === 'TCF' ? (options.confirmationDelayMinutes ?? 10) * 60_000 : 0);
  const inPeriod = (iso: string) => {
    const day = DateTime.fromISO(iso, { zone: 'UTC' }).setZone(NY).toISODate() ?? '';
    return fromDate <= day && day <= toDate && Date.parse(iso) <= shownAfter;
  };
  const statement = (account: string, executions: Execution[], withCash: boolean): string => {
    const rows = executions.filter((e) => inPeriod(e.time));
    const lines = [
      `<FlexStatement accountId="${escape(account)}" fromDate="${date(fromDate)}" toDate="${date(toDate)}" period="${escape(options.period?.name ?? 'LastNCalendarDays')}" whenGenerated="${dateTime(clock(options).toISOString())}">`,
    ];
    if (options.noTradesSection !== true) {
      const section = type === 'AF' ? 'Trades' : 'TradeConfirms';
      lines.push(`<${section}>`);
      for (const e of rows) lines.push(executionRow(type, account, e, dateTime, date, options));
      if (options.orderRows !== false) for (const order of ordersOf(rows)) lines.push(orderRow(type, account, order, dateTime, date));
      lines.push(`</${section}>`);
    }
    if (withCash && options.cashTransactions !== undefined) {
      lines.push('<CashTransactions>');
      for (const c of options.cashTransactions.filter((c) => fromDate <= c.date && c.date <= toDate)) {
        lines.push(
          `<CashTransaction ${attrs({
            accountId: account,
            currency: c.currency,
            assetCategory: c.assetCategory,
            symbol: c.symbol,
            conid: c.conId === undefined ? '' : String(c.conId),
            description: c.description,
            dateTime: c.time === undefined ? date(c.date) : dateTime(c.time),
            settleDate: date(c.date),
            amount: c.amount,
            type: c.type,
            transactionID: c.transactionId,
            reportDate: date(c.reportDate ?? c.date),
            actionID: c.actionId ?? '',
            levelOfDetail: 'DETAIL',
          })} />`,
        );
      }
      lines.push('</CashTransactions>');
    }
    if (withCash && options.corporateActions !== undefined) {
      lines.push('<CorporateActions>');
      for (const a of options.corporateActions.filter((a) => fromDate <= a.date && a.date <= toDate)) {
        lines.push(
          `<CorporateAction ${attrs({
            accountId: account,
            currency: a.currency,
            assetCategory: a.assetCategory,
            symbol: a.symbol,
            conid: a.conId === undefined ? '' : String(a.conId),
            description: a.description,
            actionDescription: a.description,
            reportDate: date(a.reportDate ?? a.date),
            dateTime: a.time === undefined ? `${date(a.date)};202500` : dateTime(a.time),
            amount: a.amount,
            proceeds: a.proceeds,
            value: a.value,
            quantity: a.quantity,
            type: a.type,
            transactionID: a.transactionId,
            actionID: a.actionId ?? '',
            levelOfDetail: 'DETAIL',
          })} />`,
        );
      }
      lines.push('</CorporateActions>');
    }
    lines.push('</FlexStatement>');
    return lines.join('\n');
  };
  const statements = [
    statement(options.account, options.executions ?? [], true),
    ...(options.otherAccounts ?? []).map((o) => statement(o.account, o.executions, false)),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<FlexQueryResponse queryName="rebalancer recovery" type="${type === 'AF' ? 'AF' : 'TCF'}">`,
    `<FlexStatements count="${statements.length}">`,
    ...statements,
    '</FlexStatements>',
    '</FlexQueryResponse>',
    '',
  ].join('\n');
}

/** IB's contract id for a ticker: any stable number will do here. */
function conidOf(symbol: string): string {
  let h = 7;
  for (const c of symbol) h = (h * 31 + c.charCodeAt(0)) % 900_000_000;
  return String(100_000_000 + h);
}

function executionRow(
  type: 'AF' | 'TCF',
  account: string,
  e: Execution,
  dateTime: (iso: string) => string,
  date: (d: string) => string,
  options: FlexServerOptions,
): string {
  const signed = e.side === 'SELL' ? -e.quantity : e.quantity;
  const commission = e.commission === null ? '0' : new Exact(e.commission).negated().toString();
  const money = new Exact(signed).times(e.price);
  const proceeds = money.negated().toString();
  const netCash = money.negated().plus(commission).toString();
  const tradeDate = date(DateTime.fromISO(e.time, { zone: 'UTC' }).setZone(NY).toISODate() ?? '');
  const common = {
    accountId: account,
    currency: 'USD',
    assetCategory: 'STK',
    symbol: e.symbol,
    description: `${e.symbol} INC`,
    conid: conidOf(e.symbol),
    listingExchange: 'NASDAQ',
    multiplier: '1',
    tradeID: String(1_000_000_000 + Math.abs(hash(e.execId))),
    transactionType: 'ExchTrade',
    exchange: 'ISLAND',
    buySell: e.side,
    quantity: String(signed),
    tradeDate,
    dateTime: dateTime(e.time),
    orderReference: e.orderRef,
    orderType: 'LMT',
    isAPIOrder: 'Y',
    levelOfDetail: 'EXECUTION',
  };
  const specific: Record<string, string> =
    type === 'AF'
      ? {
          ibExecID: e.execId,
          ibOrderID: String(e.brokerOrderId),
          tradePrice: String(e.price),
          tradeMoney: money.toString(),
          proceeds,
          ibCommission: commission,
          ibCommissionCurrency: 'USD',
          netCash,
          transactionID: String(2_000_000_000 + Math.abs(hash(e.execId))),
          brokerageOrderID: `002e.${e.brokerOrderId.toString(16)}.01.01`,
        }
      : {
          execID: e.execId,
          orderID: String(e.brokerOrderId),
          price: String(e.price),
          amount: money.toString(),
          proceeds,
          commission,
          commissionCurrency: 'USD',
          netCash,
          brokerageOrderID: `002e.${e.brokerOrderId.toString(16)}.01.01`,
        };
  const row: Record<string, string> = { ...common, ...specific, ...(options.extraFields ?? {}) };
  for (const name of options.omitFields ?? []) delete row[name];
  return `<${type === 'AF' ? 'Trade' : 'TradeConfirm'} ${attrs(row)} />`;
}

interface OrderSummary {
  first: Execution;
  quantity: number;
  value: number;
  commission: number;
}

function ordersOf(executions: Execution[]): OrderSummary[] {
  const orders = new Map<string, OrderSummary>();
  for (const e of executions) {
    const key = `${e.brokerOrderId}/${e.orderRef}`;
    const o = orders.get(key) ?? { first: e, quantity: 0, value: 0, commission: 0 };
    o.quantity = new Exact(o.quantity).plus(e.quantity).toNumber();
    o.value = new Exact(o.value).plus(new Exact(e.quantity).times(e.price)).toNumber();
    o.commission = new Exact(o.commission).plus(e.commission ?? 0).toNumber();
    orders.set(key, o);
  }
  return [...orders.values()];
}

function orderRow(
  type: 'AF' | 'TCF',
  account: string,
  o: OrderSummary,
  dateTime: (iso: string) => string,
  date: (d: string) => string,
): string {
  const e = o.first;
  const signed = e.side === 'SELL' ? -o.quantity : o.quantity;
  const price = new Exact(o.value).dividedBy(o.quantity).toDecimalPlaces(8).toString();
  return `<Order ${attrs({
    accountId: account,
    currency: 'USD',
    assetCategory: 'STK',
    symbol: e.symbol,
    conid: conidOf(e.symbol),
    buySell: e.side,
    quantity: String(signed),
    [type === 'AF' ? 'tradePrice' : 'price']: price,
    [type === 'AF' ? 'ibCommission' : 'commission']: new Exact(o.commission).negated().toString(),
    [type === 'AF' ? 'ibOrderID' : 'orderID']: String(e.brokerOrderId),
    [type === 'AF' ? 'ibExecID' : 'execID']: '',
    orderReference: e.orderRef,
    tradeDate: date(DateTime.fromISO(e.time, { zone: 'UTC' }).setZone(NY).toISODate() ?? ''),
    dateTime: dateTime(e.time),
    levelOfDetail: 'ORDER',
  })} />`;
}

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 33 + c.charCodeAt(0)) % 999_999_937;
  return h;
}

function attrs(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}="${escape(v)}"`)
    .join(' ');
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}
