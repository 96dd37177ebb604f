/**
 * The XML of IB's Flex Web Service, read. Pure.
 *
 * Two documents come back: a FlexStatementResponse (SendRequest's answer: Status, ReferenceCode and Url, or
 * ErrorCode and ErrorMessage; GetStatement's answer while the statement is not ready) and a FlexQueryResponse,
 * the statement itself: FlexStatements > FlexStatement (one per account, or per day with "Breakout by Day"), with
 * the sections the query selected as attributes of one element per row.
 *
 * Executions come from an Activity Flex Query (Trades > Trade: ibExecID, ibOrderID, tradePrice, ibCommission) or a
 * Trade Confirmation Flex Query (TradeConfirms > TradeConfirm: execID, orderID, price, commission); Orders, Lots
 * and Symbol Summary rows are other elements (Order, Lot, SymbolSummary) or another levelOfDetail, and are not
 * executions. IB writes a sale's quantity and a commission charged as negative numbers.
 *
 * Ids: ibExecID / execID is the execution id the live API reports (the key to match on). ibOrderID / orderID is
 * IB's own order id, which is neither the API's order id nor its permId: it goes into brokerOrderId because the
 * type wants a number, and must not be compared with the API's. A statement has no permId.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { Exact } from '../../core/money.js';
import type { Execution, Side } from '../../core/types.js';
import type { BrokerStatement, StatementCashTransaction, StatementCorporateAction } from '../../ports/statements.js';
import { eachDate, FLEX_TIME_ZONE, parseFlexDate, parseFlexDateTime } from './flex-dates.js';

/** A statement or response that is not what IB documents: which element, which attribute, what to change. */
export class FlexFormatError extends Error {
  override readonly name = 'FlexFormatError';
  constructor(
    message: string,
    /** True when the text is not even well-formed XML (a transfer cut short): asking again may help. */
    readonly transient = false,
  ) {
    super(message);
  }
}

type Node = Record<string, unknown>;

/** Elements that may repeat: always arrays, so that one row and many read alike. */
const REPEATED = new Set(['FlexStatement', 'Trade', 'TradeConfirm', 'Order', 'Lot', 'SymbolSummary', 'CashTransaction', 'CorporateAction']);
const ATTR = '@_';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && REPEATED.has(name),
});

/** Parses well-formed XML; anything else is a FlexFormatError naming the line and column. */
function parseXml(text: string, what: string): Node {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new FlexFormatError(`${what} is not well-formed XML (line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg})`, true);
  }
  const parsed: unknown = parser.parse(text);
  if (typeof parsed !== 'object' || parsed === null) throw new FlexFormatError(`${what} is empty`, true);
  return parsed as Node;
}

/** What one HTTP answer of the Flex Web Service is. */
export type FlexAnswer =
  | { kind: 'accepted'; referenceCode: string; url?: string }
  | { kind: 'error'; status: string; code: number | undefined; message: string }
  | { kind: 'statement'; root: Node };

/** Reads an answer of SendRequest or GetStatement. @throws FlexFormatError */
export function readFlexAnswer(text: string): FlexAnswer {
  const doc = parseXml(text, "IB's answer");
  const statement = doc['FlexQueryResponse'];
  if (isNode(statement)) return { kind: 'statement', root: statement };
  const response = doc['FlexStatementResponse'];
  if (!isNode(response)) {
    const roots = Object.keys(doc).filter((k) => !k.startsWith('?'));
    throw new FlexFormatError(
      `IB's answer is neither a FlexStatementResponse nor a FlexQueryResponse (root element ${roots.length > 0 ? roots.map((r) => `<${r}>`).join(', ') : 'none'}); is the query's format XML?`,
    );
  }
  const status = text_(response['Status']);
  if (status === 'Success') {
    const referenceCode = text_(response['ReferenceCode']);
    if (!/^\d+$/.test(referenceCode)) {
      throw new FlexFormatError(`IB's FlexStatementResponse says Success but its ReferenceCode is "${referenceCode}", not a number`);
    }
    const url = text_(response['Url']);
    return { kind: 'accepted', referenceCode, ...(url !== '' ? { url } : {}) };
  }
  const codeText = text_(response['ErrorCode']);
  const code = /^\d+$/.test(codeText) ? Number(codeText) : undefined;
  if (status === '' && code === undefined) throw new FlexFormatError("IB's FlexStatementResponse has no Status and no ErrorCode");
  return { kind: 'error', status, code, message: text_(response['ErrorMessage']) };
}

export interface ReadStatementOptions {
  /** The account asked for: rows of other accounts are left out, with a note. */
  account: string;
  /** The trade dates asked for (YYYY-MM-DD): the statement must cover every one of them. */
  fromDate: string;
  toDate: string;
  /** The zone of the statement's times (IB: New York). */
  zone?: string;
}

/** Where a FlexStatement's coverage falls short of the dates asked. */
export class FlexPeriodError extends FlexFormatError {
  constructor(
    message: string,
    readonly missing: string[],
  ) {
    super(message);
  }
}

/** The statement (a FlexQueryResponse) as the run uses it. @throws FlexFormatError, FlexPeriodError */
export function readStatement(root: Node, options: ReadStatementOptions): BrokerStatement {
  const zone = options.zone ?? FLEX_TIME_ZONE;
  const account = options.account.toUpperCase();
  const statementsNode = root['FlexStatements'];
  const all = isNode(statementsNode) ? nodes(statementsNode['FlexStatement']) : [];
  if (all.length === 0) throw new FlexFormatError('the FlexQueryResponse holds no <FlexStatement> (FlexStatements > FlexStatement)');

  const notes: string[] = [];
  const statements = all.filter((s) => attr(s, 'accountId').toUpperCase() === account);
  const others = [...new Set(all.map((s) => attr(s, 'accountId')).filter((a) => a.toUpperCase() !== account))];
  if (statements.length === 0) {
    throw new FlexFormatError(
      `the statement is for account${others.length === 1 ? '' : 's'} ${others.join(', ') || '(none named)'}, not ${account}: select ${account} in the Flex query (and set "Display Account Alias in Place of Account ID" to No)`,
    );
  }
  if (others.length > 0) notes.push(`left out the statements of other accounts (${others.join(', ')})`);

  const periods = statements.map((s, i) => {
    const where = `<FlexStatement> ${i + 1} of account ${account}`;
    return {
      from: dateAttr(s, 'fromDate', where),
      to: dateAttr(s, 'toDate', where),
      generated: attr(s, 'whenGenerated'),
      period: attr(s, 'period'),
    };
  });
  const fromDate = periods.reduce((min, p) => (p.from < min ? p.from : min), periods[0]?.from ?? '');
  const toDate = periods.reduce((max, p) => (p.to > max ? p.to : max), periods[0]?.to ?? '');
  const missing = eachDate(options.fromDate, options.toDate).filter((d) => !periods.some((p) => p.from <= d && d <= p.to));
  if (missing.length > 0) {
    const stated = periods.map((p) => `${p.from}..${p.to}${p.period !== '' ? ` (period ${p.period})` : ''}`).join(', ');
    throw new FlexPeriodError(
      `IB's statement covers ${stated}, not ${options.fromDate}..${options.toDate} as asked (${missing.length === 1 ? `${missing[0]} is` : `${missing.length} days are`} missing): set the Flex query's Period to cover them (e.g. "Last 7 Calendar Days")`,
      missing,
    );
  }
  const generatedText = periods[0]?.generated ?? '';
  let generatedAt = '';
  if (generatedText !== '') {
    try {
      generatedAt = parseFlexDateTime(generatedText, zone);
    } catch (error) {
      throw new FlexFormatError(`<FlexStatement> attribute whenGenerated: ${message(error)}`);
    }
  }

  const executions = readExecutions(statements, account, zone, notes);
  const cashTransactions = hasSection(statements, 'CashTransactions')
    ? statements.flatMap((s) => sectionRows(s, 'CashTransactions', 'CashTransaction')).flatMap((row) => cashRow(row, account, zone, notes))
    : undefined;
  const corporateActions = hasSection(statements, 'CorporateActions')
    ? statements
        .flatMap((s) => sectionRows(s, 'CorporateActions', 'CorporateAction'))
        .flatMap((row) => actionRow(row, account, zone, notes))
    : undefined;

  return {
    fromDate,
    toDate,
    generatedAt,
    executions,
    ...(cashTransactions !== undefined ? { cashTransactions: dedupe(cashTransactions, (c) => c.transactionId, 'CashTransaction') } : {}),
    ...(corporateActions !== undefined ? { corporateActions: dedupe(corporateActions, (c) => c.transactionId, 'CorporateAction') } : {}),
    notes: collapse(notes),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Executions
// ---------------------------------------------------------------------------------------------------------

/** The two spellings of an execution row: an Activity query's Trade, a Trade Confirmation query's TradeConfirm. */
const SPELLINGS = {
  Trade: { section: 'Trades', execId: 'ibExecID', orderId: 'ibOrderID', price: 'tradePrice', commission: 'ibCommission' },
  TradeConfirm: { section: 'TradeConfirms', execId: 'execID', orderId: 'orderID', price: 'price', commission: 'commission' },
} as const;

function readExecutions(statements: Node[], account: string, zone: string, notes: string[]): Execution[] {
  const sections = (['Trade', 'TradeConfirm'] as const).filter((element) => hasSection(statements, SPELLINGS[element].section));
  if (sections.length === 0) {
    throw new FlexFormatError(
      'the statement has no Trades or TradeConfirms section, so it cannot say which orders filled: add the Trades section (Activity Flex Query) with Executions ticked, or use a Trade Confirmation Flex Query',
    );
  }
  const executions: Execution[] = [];
  let summaryOnly = false;
  for (const element of sections) {
    const spelling = SPELLINGS[element];
    for (const statement of statements) {
      const section = statement[spelling.section];
      const rows = isNode(section) ? nodes(section[element]) : [];
      const others = isNode(section) ? Object.keys(section).filter((k) => !k.startsWith(ATTR) && k !== element) : [];
      if (rows.length === 0 && others.some((k) => k === 'Order' || k === 'SymbolSummary' || k === 'Lot')) summaryOnly = true;
      rows.forEach((row, index) => {
        const e = executionRow(row, element, index, account, zone, notes);
        if (e !== undefined) executions.push(e);
      });
    }
  }
  if (executions.length === 0 && summaryOnly) {
    throw new FlexFormatError(
      'the statement lists orders, lots or symbol summaries but no executions: tick "Executions" in the Flex query\'s Trades section',
    );
  }
  return dedupe(executions, (e) => e.execId, 'execution');
}

function executionRow(
  row: Node,
  element: keyof typeof SPELLINGS,
  index: number,
  account: string,
  zone: string,
  notes: string[],
): Execution | undefined {
  const spelling = SPELLINGS[element];
  const where = `<${element}> ${index + 1}${attr(row, spelling.execId) !== '' ? ` (${spelling.execId} ${attr(row, spelling.execId)})` : ''}`;
  const level = attr(row, 'levelOfDetail');
  if (level !== '' && level !== 'EXECUTION') return undefined; // an order, a lot or a summary: not an execution
  const rowAccount = required(row, 'accountId', where, 'Account ID');
  if (rowAccount.toUpperCase() !== account) {
    notes.push(`left out executions of other accounts (${rowAccount})`);
    return undefined;
  }
  const category = required(row, 'assetCategory', where, 'Asset Class');
  // A currency conversion (FX_POLICY=convert places them on IDEALPRO) is kept under its pair's name (`USD.SGD`), marked
  // CASH: the run matches it to its own order by orderRef like a stock's; anything else that is not a stock is left out.
  const conversion = category === 'CASH' && PAIR.test(attr(row, 'symbol'));
  if (category !== 'STK' && !conversion) {
    notes.push(`left out executions that are not stocks (${category})`);
    return undefined;
  }
  const side = sideOf(required(row, 'buySell', where, 'Buy/Sell'), where);
  const quantity = decimal(row, 'quantity', where, 'Quantity');
  if (quantity.isZero() || (side === 'BUY') !== quantity.isPositive()) {
    throw new FlexFormatError(
      `${where}: quantity ${attr(row, 'quantity')} does not agree with buySell ${side} (IB writes a sale's quantity negative)`,
    );
  }
  const price = decimal(row, spelling.price, where, 'Price');
  if (!price.isPositive()) throw new FlexFormatError(`${where}: ${spelling.price} ${attr(row, spelling.price)} is not a price`);
  const commission = decimal(row, spelling.commission, where, 'Commission');
  const execId = required(row, spelling.execId, where, 'IB Execution ID');
  const orderText = required(row, spelling.orderId, where, 'IB Order ID');
  if (!/^\d{1,15}$/.test(orderText)) throw new FlexFormatError(`${where}: ${spelling.orderId} "${orderText}" is not an order id`);
  if (!(`${ATTR}orderReference` in row)) {
    throw new FlexFormatError(
      `${where} has no orderReference attribute: add the field "Order Reference" to the Flex query's ${spelling.section} section`,
    );
  }
  const orderRef = attr(row, 'orderReference');
  // IB has been seen to leave Order Reference empty in statements (paper accounts, some order types): said, not guessed.
  if (orderRef === '') notes.push('executions with an empty orderReference (IB did not fill it in): they match no order by orderRef');
  return {
    execId,
    // IB's order id as the statement gives it (ibOrderID / orderID): neither the API's order id nor its permId.
    brokerOrderId: Number(orderText),
    orderRef,
    symbol: required(row, 'symbol', where, 'Symbol'),
    side,
    quantity: quantity.abs().toNumber(),
    price: price.toNumber(),
    // IB's statement writes the commission charged as a negative amount; the project records it as a positive cost. A
    // conversion's commission is booked in its pair's second currency: one IB charged in another is not known here.
    commission: conversion && !sameCurrency(row) ? null : commission.isZero() ? 0 : commission.negated().toNumber(),
    ...(conversion ? { secType: 'CASH' as const } : {}),
    time: executionTime(row, where, zone),
  };
}

/** An FX pair as IB's statements name it: `USD.SGD`. */
const PAIR = /^[A-Z]{3}\.[A-Z]{3}$/;

/** Whether a conversion's commission is in its pair's second currency (the trade's `currency`), or IB did not say. */
function sameCurrency(row: Node): boolean {
  const charged = attr(row, 'ibCommissionCurrency');
  return charged === '' || charged === attr(row, 'currency');
}

function sideOf(text: string, where: string): Side {
  if (text === 'BUY' || text === 'SELL') return text;
  if (/\(Ca\.\)/.test(text)) {
    throw new FlexFormatError(
      `${where}: buySell "${text}" is a cancelled trade: set "Include Canceled Trades?" to No in the Flex query, so that the statement shows only the trades that stand`,
    );
  }
  throw new FlexFormatError(`${where}: buySell "${text}" is neither BUY nor SELL`);
}

function executionTime(row: Node, where: string, zone: string): string {
  const dateTime = attr(row, 'dateTime');
  const combined =
    dateTime !== ''
      ? dateTime
      : attr(row, 'tradeDate') !== '' && attr(row, 'tradeTime') !== ''
        ? `${attr(row, 'tradeDate')};${attr(row, 'tradeTime')}`
        : '';
  if (combined === '') {
    throw new FlexFormatError(`${where} has no dateTime attribute: add the field "Date/Time" to the Flex query's section`);
  }
  try {
    return parseFlexDateTime(combined, zone);
  } catch (error) {
    throw new FlexFormatError(`${where}: dateTime ${message(error)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Cash transactions and corporate actions (issue 11)
// ---------------------------------------------------------------------------------------------------------

function cashRow(row: Node, account: string, zone: string, notes: string[]): StatementCashTransaction[] {
  const where = `<CashTransaction>${attr(row, 'transactionID') !== '' ? ` transactionID ${attr(row, 'transactionID')}` : ''}`;
  const level = attr(row, 'levelOfDetail');
  if (level !== '' && level !== 'DETAIL') return []; // IB's per-currency SUMMARY rows repeat the detail
  const rowAccount = required(row, 'accountId', where, 'Account ID');
  if (rowAccount.toUpperCase() !== account) {
    notes.push(`left out cash transactions of other accounts (${rowAccount})`);
    return [];
  }
  const { date, time } = dateAndTime(row, where, zone);
  const conId = optionalConId(row, where);
  const reportDate = optionalDate(row, 'reportDate', where);
  const actionId = attr(row, 'actionID');
  return [
    {
      transactionId: required(row, 'transactionID', where, 'Transaction ID'),
      type: required(row, 'type', where, 'Type'),
      symbol: attr(row, 'symbol'),
      ...(conId !== undefined ? { conId } : {}),
      assetCategory: attr(row, 'assetCategory'),
      currency: required(row, 'currency', where, 'Currency'),
      amount: decimal(row, 'amount', where, 'Amount').toString(),
      date,
      ...(time !== undefined ? { time } : {}),
      ...(reportDate !== undefined ? { reportDate } : {}),
      description: attr(row, 'description'),
      ...(actionId !== '' ? { actionId } : {}),
    },
  ];
}

function actionRow(row: Node, account: string, zone: string, notes: string[]): StatementCorporateAction[] {
  const where = `<CorporateAction>${attr(row, 'transactionID') !== '' ? ` transactionID ${attr(row, 'transactionID')}` : ''}`;
  const level = attr(row, 'levelOfDetail');
  if (level !== '' && level !== 'DETAIL') return [];
  const rowAccount = required(row, 'accountId', where, 'Account ID');
  if (rowAccount.toUpperCase() !== account) {
    notes.push(`left out corporate actions of other accounts (${rowAccount})`);
    return [];
  }
  const { date, time } = dateAndTime(row, where, zone);
  const conId = optionalConId(row, where);
  const reportDate = optionalDate(row, 'reportDate', where);
  const actionId = attr(row, 'actionID');
  const amountOf = (name: string): string => (attr(row, name) === '' ? '0' : decimal(row, name, where, name).toString());
  return [
    {
      transactionId: required(row, 'transactionID', where, 'Transaction ID'),
      ...(actionId !== '' ? { actionId } : {}),
      type: required(row, 'type', where, 'Type'),
      symbol: required(row, 'symbol', where, 'Symbol'),
      ...(conId !== undefined ? { conId } : {}),
      assetCategory: attr(row, 'assetCategory'),
      currency: required(row, 'currency', where, 'Currency'),
      quantity: decimal(row, 'quantity', where, 'Quantity').toString(),
      amount: amountOf('amount'),
      proceeds: amountOf('proceeds'),
      value: amountOf('value'),
      date,
      ...(time !== undefined ? { time } : {}),
      ...(reportDate !== undefined ? { reportDate } : {}),
      description: attr(row, 'description'),
    },
  ];
}

/** A row's dateTime: a bare date, or a date and a time (then also its instant). */
function dateAndTime(row: Node, where: string, zone: string): { date: string; time?: string } {
  const text = attr(row, 'dateTime') !== '' ? attr(row, 'dateTime') : attr(row, 'date');
  if (text === '') throw new FlexFormatError(`${where} has no dateTime attribute: add the field "Date/Time" to the Flex query's section`);
  try {
    if (/^\d{4}-?\d{2}-?\d{2}$/.test(text.trim())) return { date: parseFlexDate(text) };
    return { date: parseFlexDate(text.trim().slice(0, text.includes('-') ? 10 : 8)), time: parseFlexDateTime(text, zone) };
  } catch (error) {
    throw new FlexFormatError(`${where}: dateTime ${message(error)}`);
  }
}

function optionalConId(row: Node, where: string): number | undefined {
  const text = attr(row, 'conid');
  if (text === '') return undefined;
  if (!/^\d{1,15}$/.test(text)) throw new FlexFormatError(`${where}: conid "${text}" is not a contract id`);
  return Number(text);
}

function optionalDate(row: Node, name: string, where: string): string | undefined {
  const text = attr(row, name);
  if (text === '') return undefined;
  try {
    return parseFlexDate(text);
  } catch (error) {
    throw new FlexFormatError(`${where}: ${name} ${message(error)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nodes(value: unknown): Node[] {
  if (Array.isArray(value)) return value.filter(isNode);
  return isNode(value) ? [value] : [];
}

/** An element's text (fast-xml-parser gives a string, or an object when the element has attributes). */
function text_(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (isNode(value) && typeof value['#text'] === 'string') return value['#text'].trim();
  return '';
}

function attr(node: Node, name: string): string {
  const value = node[`${ATTR}${name}`];
  return typeof value === 'string' ? value.trim() : '';
}

function required(row: Node, name: string, where: string, field: string): string {
  const value = attr(row, name);
  if (value === '') {
    throw new FlexFormatError(`${where} has no ${name} attribute (or it is empty): add the field "${field}" to the Flex query's section`);
  }
  return value;
}

function decimal(row: Node, name: string, where: string, field: string) {
  const text = required(row, name, where, field);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text))
    throw new FlexFormatError(`${where}: ${name} "${attr(row, name)}" is not a number`);
  const value = new Exact(text);
  return value.isZero() ? new Exact(0) : value;
}

function dateAttr(node: Node, name: string, where: string): string {
  const text = attr(node, name);
  if (text === '') throw new FlexFormatError(`${where} has no ${name} attribute`);
  try {
    return parseFlexDate(text);
  } catch (error) {
    throw new FlexFormatError(`${where}: ${name} ${message(error)}`);
  }
}

function hasSection(statements: Node[], section: string): boolean {
  return statements.some((s) => section in s);
}

function sectionRows(statement: Node, section: string, element: string): Node[] {
  const node = statement[section];
  return isNode(node) ? nodes(node[element]) : [];
}

/** One row per id: a row repeated alike (a statement per day overlapping) counts once; two different rows with one id are refused. */
function dedupe<T>(rows: T[], idOf: (row: T) => string, what: string): T[] {
  const seen = new Map<string, T>();
  for (const row of rows) {
    const id = idOf(row);
    const earlier = seen.get(id);
    if (earlier === undefined) seen.set(id, row);
    else if (JSON.stringify(earlier) !== JSON.stringify(row)) {
      throw new FlexFormatError(`the statement has two different ${what} rows with the id ${id}`);
    }
  }
  return [...seen.values()];
}

function collapse(notes: string[]): string[] {
  const counts = new Map<string, number>();
  for (const note of notes) counts.set(note, (counts.get(note) ?? 0) + 1);
  return [...counts].map(([note, n]) => (n > 1 ? `${note} x${n}` : note));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
