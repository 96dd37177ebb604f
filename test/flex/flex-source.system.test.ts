/**
 * The Flex Web Service client against a local Flex server over HTTP on 127.0.0.1: the two steps, the polling,
 * every documented error code, IB's pacing, deadlines, malformed answers, HTTP failures, and the token kept out
 * of every message and log line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FlexStatementSource, type FlexSourceOptions } from '../../src/adapters/flex/flex-source.js';
import type { Execution } from '../../src/core/types.js';
import { secretForms } from '../../src/log/redact.js';
import { StatementError } from '../../src/ports/statements.js';
import { freePort } from '../support/free-port.js';
import { FLEX_ERROR_MESSAGES, startFlexServer, type FlexServer, type FlexServerOptions } from '../support/flex-server.js';

const TOKEN = '314159265358979323846264';
const QUERY = '908172';
const ACCOUNT = 'DU1234567';
/** Fast pacing on both sides, so that a test makes many requests in little time; one test keeps IB's own. */
const FAST = { minIntervalMs: 5, perWindow: 50, windowMs: 1000, marginMs: 5 };
const QUICK_POLL = { firstMs: 10, factor: 2, maxMs: 40, maxAttempts: 20 };
/** The Flex server's clock: the morning after the last execution below. */
const NOW = new Date('2026-12-04T13:00:00Z');

const EXECUTIONS: Execution[] = [
  {
    execId: '0000e0d5.6753a1f2.01.01',
    brokerOrderId: 41,
    orderRef: 'reb-20261201T1430-AAPL',
    symbol: 'AAPL',
    side: 'BUY',
    quantity: 60,
    price: 231.17,
    commission: 0.35,
    time: '2026-12-01T19:31:05Z',
  },
  {
    execId: '0000e0d5.6753a1f3.01.01',
    brokerOrderId: 41,
    orderRef: 'reb-20261201T1430-AAPL',
    symbol: 'AAPL',
    side: 'BUY',
    quantity: 25,
    price: 231.18,
    commission: 0.1457,
    time: '2026-12-01T19:31:06Z',
  },
  {
    execId: '0000e0d5.6754b001.01.01',
    brokerOrderId: 57,
    orderRef: 'reb-20261202T1530-MSFT',
    symbol: 'MSFT',
    side: 'SELL',
    quantity: 12,
    price: 402.5,
    commission: 1,
    // 21:10 UTC is 16:10 in New York: still 2 December there.
    time: '2026-12-02T21:10:00Z',
  },
];

let server: FlexServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(options: Partial<FlexServerOptions> = {}): Promise<FlexServer> {
  server = await startFlexServer({
    token: TOKEN,
    queryId: QUERY,
    account: ACCOUNT,
    executions: EXECUTIONS,
    pacing: FAST,
    now: () => NOW,
    ...options,
  });
  return server;
}

interface Captured {
  lines: string[];
}

function source(
  s: FlexServer,
  options: FlexSourceOptions & { token?: string; queryId?: string; timeoutMs?: number; url?: string } = {},
  captured?: Captured,
) {
  return new FlexStatementSource(
    { token: options.token ?? TOKEN, queryId: options.queryId ?? QUERY, url: options.url ?? s.url, timeoutMs: options.timeoutMs ?? 10_000 },
    {
      pacing: FAST,
      polling: QUICK_POLL,
      ...options,
      log: { info: (m) => captured?.lines.push(m), warn: (m) => captured?.lines.push(m) },
    },
  );
}

async function refusal(promise: Promise<unknown>): Promise<StatementError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StatementError);
  return error as StatementError;
}

describe('Flex Web Service client: the statement', () => {
  it('recovers every execution of an Activity statement as the live API reports it, order rows left out', async () => {
    const s = await serve();
    const statement = await source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03');
    expect(statement.fromDate).toBe('2026-12-01');
    expect(statement.toDate).toBe('2026-12-03');
    expect(statement.generatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(statement.executions).toEqual(EXECUTIONS);
    // The two steps, with v=3, the date override and a User-Agent, as IB requires.
    expect(s.requests.map((r) => [r.step, r.answer])).toEqual([
      ['SendRequest', 'Success'],
      ['GetStatement', 'statement'],
    ]);
    expect(s.requests[0]?.params).toEqual({ t: '<token>', q: QUERY, fd: '20261201', td: '20261203', v: '3' });
    expect(s.requests[1]?.params).toEqual({ t: '<token>', q: '7000000001', v: '3' });
    expect(s.requests.every((r) => (r.userAgent ?? '') !== '')).toBe(true);
  });

  it("reads a Trade Confirmation statement alike, and the query's other date and time formats", async () => {
    const s = await serve({ queryType: 'TCF', dateFormat: 'yyyy-MM-dd', timeFormat: 'HH:mm:ss' });
    const statement = await source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03');
    expect(statement.executions).toEqual(EXECUTIONS);
  });

  it('asks GetStatement again while IB is still generating, then returns the statement', async () => {
    const s = await serve({ generating: 3 });
    const statement = await source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03');
    expect(statement.executions).toHaveLength(3);
    expect(s.requests.map((r) => r.answer)).toEqual(['Success', '1019', '1019', '1019', 'statement']);
    // A growing pause between the polls.
    const at = s.requests.map((r) => r.at);
    const gaps = at.slice(2).map((t, i) => t - (at[i + 1] ?? 0));
    expect(gaps[2]).toBeGreaterThanOrEqual(35);
  });

  it('gives up when the statement is still generating at its deadline: retry later, error 1019', async () => {
    const s = await serve({ generating: 1_000 });
    const started = performance.now();
    // 2 s: long enough for IB's first answers to arrive on a loaded machine (at 600 ms a slow first request took the
    // whole deadline, and the refusal was the request's timeout, not 1019).
    const error = await refusal(source(s, { timeoutMs: 2_000 }).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error.retryLater).toBe(true);
    expect(error.code).toBe(1019);
    expect(error.message).toMatch(/still generating .*FLEX_TIMEOUT_MS=2000/);
    expect(s.requests.filter((r) => r.answer === '1019').length).toBeGreaterThan(1);
  });

  it("checks that the statement covers the dates asked, and says to set the query's period when not", async () => {
    const s = await serve({ honourDateOverride: false, period: { fromDate: '2026-12-01', toDate: '2026-12-02', name: 'LastBusinessDay' } });
    const error = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(error.retryLater).toBe(false);
    expect(error.message).toContain('covers 2026-12-01..2026-12-02 (period LastBusinessDay), not 2026-12-01..2026-12-03');
    expect(error.message).toContain('2026-12-03 is missing');
    expect(error.message).toContain("set the Flex query's Period");
  });

  it('leaves out other accounts and other asset classes, with notes', async () => {
    const s = await serve({ otherAccounts: [{ account: 'DU7654321', executions: EXECUTIONS.slice(0, 1) }] });
    const captured: Captured = { lines: [] };
    const statement = await source(s, {}, captured).statement(ACCOUNT, '2026-12-01', '2026-12-03');
    expect(statement.executions).toEqual(EXECUTIONS);
    expect(statement.notes).toEqual(['left out the statements of other accounts (DU7654321)']);
    expect(captured.lines.some((l) => l.includes('DU7654321'))).toBe(true);

    s.update({ extraFields: { assetCategory: 'OPT' } });
    const options = await source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03');
    expect(options.executions).toEqual([]);
    expect(options.notes).toEqual([
      'left out the statements of other accounts (DU7654321)',
      'left out executions that are not stocks (OPT) x3',
    ]);
  });

  it('refuses a statement for another account only', async () => {
    const s = await serve({ account: 'DU7654321' });
    const error = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(error.message).toContain('the statement is for account DU7654321, not DU1234567');
    expect(error.retryLater).toBe(false);
  });

  it('refuses a statement without the fields it needs, naming the element and the attribute', async () => {
    const s = await serve({ omitFields: ['orderReference'] });
    const error = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(error.retryLater).toBe(false);
    expect(error.message).toContain('<Trade> 1 (ibExecID 0000e0d5.6753a1f2.01.01) has no orderReference attribute');
    expect(error.message).toContain('"Order Reference"');

    s.update({ omitFields: ['ibCommission'] });
    const noCommission = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(noCommission.message).toContain('has no ibCommission attribute');

    s.update({ omitFields: [], noTradesSection: true });
    const noSection = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(noSection.message).toContain('no Trades or TradeConfirms section');
  });

  it('refuses cancelled trades rather than counting them as fills', async () => {
    const s = await serve({ extraFields: { buySell: 'BUY (Ca.)' } });
    const error = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-01'));
    expect(error.message).toContain('Include Canceled Trades');
  });

  it('reads cash transactions and corporate actions when the query has them', async () => {
    const s = await serve({
      cashTransactions: [
        {
          transactionId: '26051234567',
          type: 'Dividends',
          symbol: 'AAPL',
          conId: 265598,
          assetCategory: 'STK',
          currency: 'USD',
          amount: '21.25',
          date: '2026-12-02',
          reportDate: '2026-12-02',
          description: 'AAPL(US0378331005) CASH DIVIDEND USD 0.25 PER SHARE (Ordinary Dividend)',
          actionId: '140000001',
        },
        {
          transactionId: '26051234568',
          type: 'Withholding Tax',
          symbol: 'AAPL',
          conId: 265598,
          assetCategory: 'STK',
          currency: 'USD',
          amount: '-3.19',
          date: '2026-12-02',
          time: '2026-12-02T21:20:00Z',
          reportDate: '2026-12-02',
          description: 'AAPL(US0378331005) CASH DIVIDEND USD 0.25 PER SHARE - US TAX',
        },
      ],
      corporateActions: [
        {
          transactionId: '26051299999',
          actionId: '140000777',
          type: 'FS',
          symbol: 'NVDA',
          conId: 4815747,
          assetCategory: 'STK',
          currency: 'USD',
          quantity: '90',
          amount: '0',
          proceeds: '0',
          value: '0',
          date: '2026-12-01',
          time: '2026-12-02T01:25:00Z',
          reportDate: '2026-12-02',
          description: 'NVDA(US67066G1040) SPLIT 10 FOR 1 (NVDA, NVIDIA CORP, US67066G1040)',
        },
      ],
    });
    const statement = await source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03');
    expect(statement.cashTransactions).toEqual([
      {
        transactionId: '26051234567',
        type: 'Dividends',
        symbol: 'AAPL',
        conId: 265598,
        assetCategory: 'STK',
        currency: 'USD',
        amount: '21.25',
        date: '2026-12-02',
        reportDate: '2026-12-02',
        description: 'AAPL(US0378331005) CASH DIVIDEND USD 0.25 PER SHARE (Ordinary Dividend)',
        actionId: '140000001',
      },
      {
        transactionId: '26051234568',
        type: 'Withholding Tax',
        symbol: 'AAPL',
        conId: 265598,
        assetCategory: 'STK',
        currency: 'USD',
        amount: '-3.19',
        date: '2026-12-02',
        time: '2026-12-02T21:20:00Z',
        reportDate: '2026-12-02',
        description: 'AAPL(US0378331005) CASH DIVIDEND USD 0.25 PER SHARE - US TAX',
      },
    ]);
    expect(statement.corporateActions).toEqual([
      expect.objectContaining({
        transactionId: '26051299999',
        type: 'FS',
        symbol: 'NVDA',
        quantity: '90',
        date: '2026-12-01',
        time: '2026-12-02T01:25:00Z',
      }),
    ]);

    const plain = await serve();
    const without = await source(plain).statement(ACCOUNT, '2026-12-01', '2026-12-03');
    expect(without.cashTransactions).toBeUndefined();
    expect(without.corporateActions).toBeUndefined();
    await plain.close();
  });
});

describe("Flex Web Service client: IB's timing", () => {
  it('an Activity statement that reaches the current day is 1003: retry later, with the advice to use a Trade Confirmation query', async () => {
    const s = await serve({ now: () => new Date('2026-12-03T20:00:00Z') });
    const error = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect([error.code, error.retryLater]).toEqual([1003, true]);
    expect(error.message).toContain('use a Trade Confirmation Flex Query');
  });

  it('a Trade Confirmation statement shows an execution only minutes after it', async () => {
    // 19:35 UTC: the AAPL fills of 19:31 are four minutes old, MSFT's has not happened.
    const s = await serve({ queryType: 'TCF', now: () => new Date('2026-12-01T19:35:00Z') });
    expect((await source(s).statement(ACCOUNT, '2026-12-01', '2026-12-01')).executions).toEqual([]);
    s.update({ now: () => new Date('2026-12-01T19:45:00Z') });
    expect((await source(s).statement(ACCOUNT, '2026-12-01', '2026-12-01')).executions).toEqual(EXECUTIONS.slice(0, 2));
  });
});

describe("Flex Web Service client: IB's error codes", () => {
  const FIX = new Set([1010, 1011, 1012, 1013, 1014, 1015, 1016, 1020]);
  const codes = Object.keys(FLEX_ERROR_MESSAGES).map(Number);

  it.each(codes)("SendRequest answered %i: a StatementError with the code, IB's message and what to do", async (code) => {
    const s = await serve();
    s.fault({ fault: { kind: 'code', code }, step: 'SendRequest' });
    const error = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(error.code).toBe(code);
    expect(error.retryLater).toBe(!FIX.has(code));
    expect(error.message).toContain(`error ${code} "${FLEX_ERROR_MESSAGES[code]}"`);
    expect(error.message).toMatch(/\): \S/); // what to do follows the meaning
    expect(s.requests).toHaveLength(1);
  });

  it('says what to do for the codes a user must act on', async () => {
    const s = await serve({ expiredTokens: ['271828182845904523536028'] });
    const expired = await refusal(source(s, { token: '271828182845904523536028' }).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(expired.code).toBe(1012);
    expect(expired.message).toContain('generate a new token in Client Portal > Settings > Account Settings > Flex Web Service');
    expect(expired.message).toContain('set FLEX_TOKEN');

    const wrongQuery = await refusal(source(s, { queryId: '111' }).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(wrongQuery.code).toBe(1014);
    expect(wrongQuery.message).toContain('check FLEX_QUERY_ID');

    s.update({ allowedIp: '10.1.2.3' });
    const ip = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(ip.code).toBe(1013);
    expect(ip.message).toContain('Valid For IP Address');
  });

  it('a GetStatement error other than "generating" ends the statement (1017: retry later; 1015: fix)', async () => {
    const s = await serve();
    s.fault({ fault: { kind: 'code', code: 1017 }, step: 'GetStatement' });
    const stale = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect([stale.code, stale.retryLater]).toEqual([1017, true]);
    expect(stale.message).toContain('did not give the statement');

    s.fault({ fault: { kind: 'code', code: 1015 }, step: 'GetStatement' });
    const invalid = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect([invalid.code, invalid.retryLater]).toEqual([1015, false]);
  });

  it('polls through 1009 (heavy load) and 1021 as through 1019', async () => {
    const s = await serve();
    s.fault({ fault: { kind: 'code', code: 1009 }, step: 'GetStatement' });
    s.fault({ fault: { kind: 'code', code: 1021 }, step: 'GetStatement' });
    const statement = await source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03');
    expect(statement.executions).toHaveLength(3);
    expect(s.requests.map((r) => r.answer)).toEqual(['Success', '1009', '1021', 'statement']);
  });
});

describe('Flex Web Service client: pacing, deadlines and broken answers', () => {
  it("keeps to IB's pacing of one request a second: IB never answers 1018", async () => {
    const s = await serve({ pacing: { minIntervalMs: 1000, perWindow: 10, windowMs: 60_000 }, generating: 2 });
    const statement = await source(s, { pacing: undefined, polling: { firstMs: 0, factor: 1, maxMs: 0, maxAttempts: 5 } }).statement(
      ACCOUNT,
      '2026-12-01',
      '2026-12-03',
    );
    expect(statement.executions).toHaveLength(3);
    expect(s.requests.map((r) => r.answer)).toEqual(['Success', '1019', '1019', 'statement']);
    const at = s.requests.map((r) => r.at);
    for (let i = 1; i < at.length; i++) expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(990);
  });

  it('keeps to a per-window limit too, across statements', async () => {
    const pacing = { minIntervalMs: 0, perWindow: 3, windowMs: 700, marginMs: 50 };
    const s = await serve({ pacing, generating: 2 });
    const client = source(s, { pacing, polling: { firstMs: 0, factor: 1, maxMs: 0, maxAttempts: 5 } });
    await client.statement(ACCOUNT, '2026-12-01', '2026-12-03');
    await client.statement(ACCOUNT, '2026-12-01', '2026-12-03');
    expect(s.requests.map((r) => r.answer).filter((a) => a === '1018')).toEqual([]);
    expect(s.requests).toHaveLength(8);
    const at = s.requests.map((r) => r.at);
    for (let i = 3; i < at.length; i++) expect((at[i] ?? 0) - (at[i - 3] ?? 0)).toBeGreaterThanOrEqual(690);
  });

  it('a throttled answer (1018) is retry-later, and the next statement waits a window before asking IB', async () => {
    const s = await serve({ pacing: { minIntervalMs: 1000, perWindow: 10, windowMs: 60_000 } });
    const pacing = { minIntervalMs: 0, perWindow: 100, windowMs: 300, marginMs: 0 };
    const client = source(s, { pacing, polling: { firstMs: 0, factor: 1, maxMs: 0, maxAttempts: 5 }, timeoutMs: 200 });
    const error = await refusal(client.statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect([error.code, error.retryLater]).toEqual([1018, true]);
    expect(error.message).toContain('too many requests');
    const asked = s.requests.length;
    const next = await refusal(client.statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect([next.code, next.retryLater]).toEqual([1018, true]);
    expect(next.message).toContain("would exceed IB's pacing");
    expect(s.requests.length).toBe(asked);
  });

  it("a slow answer ends at the request's deadline, retry later", async () => {
    const s = await serve();
    s.fault({ fault: { kind: 'slow', ms: 3_000 }, step: 'GetStatement' });
    const started = performance.now();
    const error = await refusal(source(s, { requestTimeoutMs: 300 }).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error.retryLater).toBe(true);
    expect(error.message).toContain('no answer to GetStatement');
    expect(error.message).toContain('within 300 ms');
  });

  it("a slow answer ends at the statement's deadline when that comes first", async () => {
    const s = await serve();
    s.fault({ fault: { kind: 'slow', ms: 3_000 }, step: 'SendRequest' });
    const started = performance.now();
    const error = await refusal(source(s, { timeoutMs: 400 }).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error.retryLater).toBe(true);
    expect(error.message).toContain("within the statement's deadline (FLEX_TIMEOUT_MS=400)");
  });

  it('malformed XML is refused with where it breaks; retry later', async () => {
    const s = await serve();
    s.fault({ fault: { kind: 'malformed' }, step: 'GetStatement' });
    const error = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(error.retryLater).toBe(true);
    expect(error.message).toMatch(/GetStatement: IB's answer is not well-formed XML \(line \d+, column \d+/);
  });

  it("an answer that is XML but not IB's is refused", async () => {
    const s = await serve();
    s.fault({ fault: { kind: 'body', text: '<html><body>Maintenance</body></html>' }, step: 'SendRequest' });
    const error = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(error.message).toContain('neither a FlexStatementResponse nor a FlexQueryResponse (root element <html>)');
  });

  it('HTTP 5xx is retry-later; a wrong FLEX_URL (404) and a redirect are not, and the redirect is not followed', async () => {
    const s = await serve();
    s.fault({ fault: { kind: 'http', status: 503 } });
    const down = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(down.retryLater).toBe(true);
    expect(down.message).toContain('HTTP 503');

    const wrong = await refusal(
      source(s, { url: `${s.url.replace('/FlexWebService', '')}/Flex` }).statement(ACCOUNT, '2026-12-01', '2026-12-03'),
    );
    expect(wrong.retryLater).toBe(false);
    expect(wrong.message).toContain('HTTP 404');
    expect(wrong.message).toContain('check FLEX_URL');

    s.fault({ fault: { kind: 'http', status: 302 } });
    const before = s.requests.length;
    const moved = await refusal(source(s).statement(ACCOUNT, '2026-12-01', '2026-12-03'));
    expect(moved.message).toContain('redirect (not followed');
    expect(s.requests.length).toBe(before + 1);
  });

  it('a service that cannot be reached is retry-later', async () => {
    const port = await freePort();
    const error = await refusal(
      new FlexStatementSource(
        { token: TOKEN, queryId: QUERY, url: `http://127.0.0.1:${port}/AccountManagement/FlexWebService`, timeoutMs: 2_000 },
        { pacing: FAST, polling: QUICK_POLL },
      ).statement(ACCOUNT, '2026-12-01', '2026-12-03'),
    );
    expect(error.retryLater).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('refuses a range IB cannot serve before asking', async () => {
    const s = await serve();
    const error = await refusal(source(s).statement(ACCOUNT, '2025-01-01', '2026-12-03'));
    expect(error.message).toContain('IB serves at most 365');
    expect(s.requests).toHaveLength(0);
  });
});

describe('Flex Web Service client: the token', () => {
  it('never appears in an error message or a log line, in any form', async () => {
    const s = await serve({ generating: 1, expiredTokens: [TOKEN] });
    const captured: Captured = { lines: [] };
    const messages: string[] = [];
    const attempt = async (client: FlexStatementSource) => {
      try {
        await client.statement(ACCOUNT, '2026-12-01', '2026-12-03');
      } catch (error) {
        messages.push(error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error));
      }
    };
    await attempt(source(s, {}, captured)); // 1012
    s.update({ expiredTokens: [] });
    await attempt(source(s, {}, captured)); // generating once, then the statement: info lines
    for (const fault of [
      { kind: 'malformed' },
      { kind: 'http', status: 500 },
      { kind: 'http', status: 302 },
      { kind: 'slow', ms: 2_000 },
    ] as const) {
      s.fault({ fault, step: 'GetStatement' });
      await attempt(source(s, { requestTimeoutMs: 200 }, captured));
    }
    await attempt(source(s, { url: `http://127.0.0.1:${await freePort()}/x` }, captured));
    // A reference URL from IB on a host that is not IB's nor FLEX_URL's: not asked, and said without the token.
    s.fault({
      fault: {
        kind: 'body',
        text: '<FlexStatementResponse><Status>Success</Status><ReferenceCode>77</ReferenceCode><Url>http://elsewhere.example/GetStatement</Url></FlexStatementResponse>',
      },
      step: 'SendRequest',
    });
    await attempt(source(s, {}, captured));

    expect(messages.length).toBeGreaterThanOrEqual(7);
    expect(captured.lines.length).toBeGreaterThan(0);
    const forms = secretForms([TOKEN]);
    for (const text of [...messages, ...captured.lines]) {
      for (const form of forms) expect(text.includes(form), `${text} holds the token`).toBe(false);
    }
    expect(captured.lines.some((l) => l.includes('elsewhere.example'))).toBe(true);
  });
});
