/**
 * Reading IB's Flex XML, pure: times in New York across daylight saving, IB's signs, the rows that are not
 * executions, statements broken out by day, and the statements refused (with the element and the attribute).
 */
import { describe, expect, it } from 'vitest';
import { parseFlexDate, parseFlexDateTime } from '../../src/adapters/flex/flex-dates.js';
import { FlexFormatError, readFlexAnswer, readStatement } from '../../src/adapters/flex/flex-xml.js';
import type { Execution } from '../../src/core/types.js';
import { errorResponse, renderStatement } from '../support/flex-server.js';

const ACCOUNT = 'DU1234567';

function statementOf(xml: string, fromDate = '2026-12-01', toDate = '2026-12-01') {
  const answer = readFlexAnswer(xml);
  if (answer.kind !== 'statement') throw new Error(`not a statement: ${answer.kind}`);
  return readStatement(answer.root, { account: ACCOUNT, fromDate, toDate });
}

function refusalOf(xml: string, fromDate = '2026-12-01', toDate = '2026-12-01'): string {
  try {
    statementOf(xml, fromDate, toDate);
  } catch (error) {
    expect(error).toBeInstanceOf(FlexFormatError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

const wrap = (
  rows: string,
  statement = `accountId="${ACCOUNT}" fromDate="20261201" toDate="20261201" period="LastBusinessDay" whenGenerated="20261202;081500"`,
) =>
  `<?xml version="1.0" encoding="UTF-8"?>
<FlexQueryResponse queryName="q" type="AF"><FlexStatements count="1"><FlexStatement ${statement}>
<Trades>${rows}</Trades>
</FlexStatement></FlexStatements></FlexQueryResponse>`;

const row = (extra: Record<string, string> = {}) =>
  `<Trade ${Object.entries({
    accountId: ACCOUNT,
    currency: 'USD',
    assetCategory: 'STK',
    symbol: 'AAPL',
    buySell: 'SELL',
    quantity: '-10',
    tradePrice: '231.17',
    ibCommission: '-1.0035',
    ibExecID: '0000e0d5.6753a1f2.01.01',
    ibOrderID: '892713358',
    orderReference: 'reb-AAPL',
    dateTime: '20261201;153001',
    levelOfDetail: 'EXECUTION',
    ...extra,
  })
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ')} />`;

describe('Flex dates and times', () => {
  it('reads New York times to UTC across daylight saving time', () => {
    expect(parseFlexDateTime('20260701;093000')).toBe('2026-07-01T13:30:00Z');
    expect(parseFlexDateTime('20261201;093000')).toBe('2026-12-01T14:30:00Z');
    expect(parseFlexDateTime('2026-11-02, 16:00:00')).toBe('2026-11-02T21:00:00Z');
    expect(parseFlexDateTime('20261201 160000')).toBe('2026-12-01T21:00:00Z');
    expect(parseFlexDateTime('20261201160000')).toBe('2026-12-01T21:00:00Z');
  });

  it('refuses the ambiguous formats, saying which to choose', () => {
    expect(() => parseFlexDate('12/01/2026')).toThrow(/set the Flex query's Date Format/);
    expect(() => parseFlexDateTime('01/12/2026;093000')).toThrow(/yyyyMMdd, HHmmss and ";" are IB's defaults/);
    expect(() => parseFlexDate('20261301')).toThrow(RangeError);
  });
});

describe('Flex statements', () => {
  it("turns IB's signs into the project's: quantity positive, commission a positive cost (a rebate negative)", () => {
    const { executions } = statementOf(
      wrap(
        row() +
          row({ ibExecID: 'x.02', buySell: 'BUY', quantity: '5', ibCommission: '0.12' }) +
          row({ ibExecID: 'x.03', buySell: 'BUY', quantity: '5', ibCommission: '0' }),
      ),
    );
    expect(executions.map((e) => [e.side, e.quantity, e.commission])).toEqual([
      ['SELL', 10, 1.0035],
      ['BUY', 5, -0.12],
      ['BUY', 5, 0],
    ]);
    expect(executions[0]).toEqual({
      execId: '0000e0d5.6753a1f2.01.01',
      brokerOrderId: 892713358,
      orderRef: 'reb-AAPL',
      symbol: 'AAPL',
      side: 'SELL',
      quantity: 10,
      price: 231.17,
      commission: 1.0035,
      time: '2026-12-01T20:30:01Z',
    });
  });

  it('leaves out order, lot and summary rows; a TradeConfirm without levelOfDetail is an execution', () => {
    const xml = wrap(
      row() +
        row({ ibExecID: '', levelOfDetail: 'ORDER' }) +
        `<Order accountId="${ACCOUNT}" symbol="AAPL" levelOfDetail="ORDER" />` +
        `<Lot accountId="${ACCOUNT}" symbol="AAPL" levelOfDetail="CLOSED_LOT" />`,
    );
    expect(statementOf(xml).executions).toHaveLength(1);
    const confirms = `<FlexQueryResponse type="TCF"><FlexStatements count="1"><FlexStatement accountId="${ACCOUNT}" fromDate="20261201" toDate="20261201" whenGenerated="20261201;170000"><TradeConfirms>
      <TradeConfirm accountId="${ACCOUNT}" assetCategory="STK" symbol="MSFT" buySell="BUY" quantity="3" price="402.5" commission="-1" execID="e.01" orderID="77" orderReference="r" dateTime="20261201;100000" />
      </TradeConfirms></FlexStatement></FlexStatements></FlexQueryResponse>`;
    expect(statementOf(confirms).executions).toEqual([
      {
        execId: 'e.01',
        brokerOrderId: 77,
        orderRef: 'r',
        symbol: 'MSFT',
        side: 'BUY',
        quantity: 3,
        price: 402.5,
        commission: 1,
        time: '2026-12-01T15:00:00Z',
      },
    ]);
  });

  it('refuses a Trades section with orders but no executions: tick Executions', () => {
    expect(refusalOf(wrap(`<Order accountId="${ACCOUNT}" symbol="AAPL" levelOfDetail="ORDER" />`))).toContain('tick "Executions"');
  });

  it('counts a row repeated alike once, and refuses two different rows with one execution id', () => {
    expect(statementOf(wrap(row() + row())).executions).toHaveLength(1);
    expect(refusalOf(wrap(row() + row({ tradePrice: '231.18' })))).toContain(
      'two different execution rows with the id 0000e0d5.6753a1f2.01.01',
    );
  });

  it('notes executions IB left without an orderReference', () => {
    const statement = statementOf(wrap(row({ orderReference: '' })));
    expect(statement.executions[0]?.orderRef).toBe('');
    expect(statement.notes).toEqual(['executions with an empty orderReference (IB did not fill it in): they match no order by orderRef']);
  });

  it('refuses rows that contradict themselves or are not numbers, naming the row and the attribute', () => {
    expect(refusalOf(wrap(row({ quantity: '10' })))).toContain(
      '<Trade> 1 (ibExecID 0000e0d5.6753a1f2.01.01): quantity 10 does not agree with buySell SELL',
    );
    expect(refusalOf(wrap(row({ tradePrice: 'n/a' })))).toContain('tradePrice "n/a" is not a number');
    expect(refusalOf(wrap(row({ ibOrderID: 'abc' })))).toContain('ibOrderID "abc" is not an order id');
    expect(refusalOf(wrap(row({ dateTime: '12/01/2026;153001' })))).toContain(
      '<Trade> 1 (ibExecID 0000e0d5.6753a1f2.01.01): dateTime "12/01/2026;153001"',
    );
    expect(refusalOf(wrap(row({ buySell: 'SSHORT' })))).toContain('buySell "SSHORT" is neither BUY nor SELL');
  });

  it('joins the days of a statement broken out by day to cover the dates asked, and names the days missing', () => {
    const day = (d: string, rows: string) =>
      `<FlexStatement accountId="${ACCOUNT}" fromDate="${d}" toDate="${d}" period="LastNCalendarDays" whenGenerated="20261204;081500"><Trades>${rows}</Trades></FlexStatement>`;
    const xml = `<FlexQueryResponse type="AF"><FlexStatements count="2">${day('20261201', row())}${day('20261202', row({ ibExecID: 'b.01', dateTime: '20261202;100000' }))}</FlexStatements></FlexQueryResponse>`;
    const statement = statementOf(xml, '2026-12-01', '2026-12-02');
    expect([statement.fromDate, statement.toDate, statement.executions.length]).toEqual(['2026-12-01', '2026-12-02', 2]);
    expect(refusalOf(xml, '2026-11-30', '2026-12-03')).toContain('2 days are missing');
  });

  it('renders what the Flex server serves and reads it back unchanged (both query types)', () => {
    const executions: Execution[] = [
      {
        execId: 'a.01',
        brokerOrderId: 9,
        orderRef: 'r&<"1">',
        symbol: 'BRK B',
        side: 'SELL',
        quantity: 0.5,
        price: 0.1,
        commission: 0.2,
        time: '2026-12-01T14:30:00Z',
      },
    ];
    for (const queryType of ['AF', 'TCF'] as const) {
      const xml = renderStatement({ token: 't', queryId: 'q', account: ACCOUNT, executions, queryType }, '2026-12-01', '2026-12-01');
      expect(statementOf(xml).executions).toEqual(executions);
    }
  });

  it("reads IB's FlexStatementResponse answers", () => {
    expect(readFlexAnswer(errorResponse(1019))).toEqual({
      kind: 'error',
      status: 'Warn',
      code: 1019,
      message: 'Statement generation in progress. Please try again shortly.',
    });
    expect(
      readFlexAnswer(
        '<FlexStatementResponse timestamp="28 August, 2012 10:37 AM EDT"><Status>Success</Status><ReferenceCode>1234567890</ReferenceCode><Url>https://gdcdyn.interactivebrokers.com/Universal/servlet/FlexStatementService.GetStatement</Url></FlexStatementResponse>',
      ),
    ).toEqual({
      kind: 'accepted',
      referenceCode: '1234567890',
      url: 'https://gdcdyn.interactivebrokers.com/Universal/servlet/FlexStatementService.GetStatement',
    });
    expect(() => readFlexAnswer('<FlexStatementResponse><Status>Success</Status></FlexStatementResponse>')).toThrow(
      /ReferenceCode is "", not a number/,
    );
  });
});

describe('Flex statements: currency conversions (FX_POLICY=convert)', () => {
  const conversion = (extra: Record<string, string> = {}) =>
    row({
      assetCategory: 'CASH',
      symbol: 'USD.SGD',
      currency: 'SGD',
      buySell: 'BUY',
      quantity: '12000',
      tradePrice: '1.35038',
      ibCommission: '-3.24',
      ibCommissionCurrency: 'SGD',
      ibExecID: 'fx.01',
      orderReference: 'rebal:20261201T150000Z-abc:USD.SGD',
      ...extra,
    });

  it('keeps a conversion under its pair, marked CASH, so the run can match it to its order by orderRef', () => {
    const { executions, notes } = statementOf(wrap(conversion()));
    expect(notes).toEqual([]);
    expect(executions).toEqual([
      expect.objectContaining({ symbol: 'USD.SGD', secType: 'CASH', side: 'BUY', quantity: 12_000, price: 1.35038, commission: 3.24 }),
    ]);
  });

  it("a commission IB charged in another currency than the pair's second is not known (null), never booked in the wrong one", () => {
    const [e] = statementOf(wrap(conversion({ ibCommission: '-2', ibCommissionCurrency: 'USD' }))).executions;
    expect(e?.commission).toBeNull();
  });

  it('leaves out other CASH rows that are no pair (a cash line of the statement), with a note', () => {
    const { executions, notes } = statementOf(wrap(conversion({ symbol: 'USD' })));
    expect(executions).toEqual([]);
    expect(notes).toEqual(['left out executions that are not stocks (CASH)']);
  });
});
