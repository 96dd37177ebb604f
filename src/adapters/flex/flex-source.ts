/**
 * The broker's statements from IB's Flex Web Service (version 3), for the executions the live API no longer
 * shows (and, later, cash transactions and corporate actions).
 *
 * The protocol is two GETs, both answered in XML:
 * 1. `<FLEX_URL>/SendRequest?t=<token>&q=<query id>&v=3&fd=<yyyyMMdd>&td=<yyyyMMdd>` starts the statement of a
 *    Flex query the user built in Client Portal (fd/td override its period, up to 365 days). IB answers a
 *    FlexStatementResponse: Status Success with a ReferenceCode and the Url of GetStatement, or Fail with an
 *    ErrorCode (1001-1021, see flex-codes.ts).
 * 2. `<Url>?t=<token>&q=<reference code>&v=3` returns the statement (a FlexQueryResponse) once generated; until
 *    then a FlexStatementResponse with error 1019, "statement generation in progress": asked again, with a
 *    growing pause, until the statement's deadline.
 *
 * The token travels in the query string: no URL is ever written to a message or a log line, and every message
 * is masked for the token besides. Redirects are not followed (they would carry the token elsewhere), and
 * GetStatement is asked at the Url IB names only when it is on the configured host or an https host of
 * interactivebrokers.com. Every request takes its slot from the pacer first (one a second, 10 a minute).
 */
import { redactSecrets, secretForms } from '../../log/redact.js';
import type { BrokerStatement, StatementSource } from '../../ports/statements.js';
import { StatementError } from '../../ports/statements.js';
import { flexCode } from './flex-codes.js';
import { daysInRange, FLEX_TIME_ZONE, isIsoDate, toFlexDateParameter } from './flex-dates.js';
import { IB_FLEX_PACING, pacerFor, type FlexPacer, type FlexPacing } from './flex-pacer.js';
import { FlexFormatError, readFlexAnswer, readStatement, type FlexAnswer } from './flex-xml.js';

/** IB's documented base URL of the Flex Web Service (the older one was https://gdcdyn.interactivebrokers.com/Universal/servlet/FlexStatementService). */
export const IB_FLEX_URL = 'https://ndcdyn.interactivebrokers.com/AccountManagement/FlexWebService';

/** IB's longest fd..td override. */
export const MAX_FLEX_DAYS = 365;

export interface FlexSettings {
  /** The Flex Web Service token (secret). */
  token: string;
  /** The Flex query's id. */
  queryId: string;
  /** The service's base URL; SendRequest and GetStatement are below it. */
  url: string;
  /** The deadline of one whole statement: both steps, the pauses and the polling. */
  timeoutMs: number;
}

/** Where the source tells what it does (a pino logger fits). Lines never hold the token. */
export interface FlexLog {
  info(message: string): void;
  warn(message: string): void;
}

/** How long to wait before asking GetStatement again. */
export interface FlexPolling {
  /** Before the first GetStatement. */
  firstMs: number;
  /** Each pause is the previous one times factor, at most maxMs. */
  factor: number;
  maxMs: number;
  /** GetStatement requests at most, for one statement. */
  maxAttempts: number;
}

export const DEFAULT_FLEX_POLLING: FlexPolling = { firstMs: 2000, factor: 2, maxMs: 20_000, maxAttempts: 12 };

export interface FlexSourceOptions {
  /** The deadline of one HTTP request (capped by what is left of the statement's). Default 30 s. */
  requestTimeoutMs?: number;
  /** IB's pacing (default: one a second, 10 a minute). Tests shorten it. */
  pacing?: FlexPacing;
  polling?: FlexPolling;
  /** The zone of the statement's times (IB: New York). */
  zone?: string;
  log?: FlexLog;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export class FlexStatementSource implements StatementSource {
  readonly name: string;
  private readonly base: URL;
  private readonly pacer: FlexPacer;
  private readonly masks: string[];
  private readonly requestTimeoutMs: number;
  private readonly polling: FlexPolling;
  private readonly zone: string;

  constructor(
    private readonly settings: FlexSettings,
    private readonly options: FlexSourceOptions = {},
  ) {
    this.name = `IB Flex Web Service (query ${settings.queryId})`;
    this.base = new URL(settings.url.replace(/\/+$/, ''));
    this.pacer = pacerFor(settings.token, options.pacing ?? IB_FLEX_PACING);
    this.masks = settings.token === '' ? [] : secretForms([settings.token]);
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.polling = options.polling ?? DEFAULT_FLEX_POLLING;
    this.zone = options.zone ?? FLEX_TIME_ZONE;
  }

  async statement(account: string, fromDate: string, toDate: string): Promise<BrokerStatement> {
    try {
      return await this.fetchStatement(account, fromDate, toDate);
    } catch (error) {
      if (error instanceof StatementError) throw new StatementError(this.mask(error.message), error.retryLater, error.code);
      throw new StatementError(this.mask(`${this.name}: ${error instanceof Error ? error.message : String(error)}`), false);
    }
  }

  private async fetchStatement(account: string, fromDate: string, toDate: string): Promise<BrokerStatement> {
    if (!isIsoDate(fromDate) || !isIsoDate(toDate) || fromDate > toDate) {
      throw new StatementError(`${this.name}: ${fromDate}..${toDate} is not a range of dates (YYYY-MM-DD)`, false);
    }
    const days = daysInRange(fromDate, toDate);
    if (days > MAX_FLEX_DAYS) {
      throw new StatementError(`${this.name}: ${fromDate}..${toDate} is ${days} days; IB serves at most ${MAX_FLEX_DAYS} at once`, false);
    }
    const deadline = performance.now() + this.settings.timeoutMs;

    const sent = await this.ask(
      'SendRequest',
      this.endpoint('SendRequest'),
      {
        q: this.settings.queryId,
        fd: toFlexDateParameter(fromDate),
        td: toFlexDateParameter(toDate),
      },
      deadline,
    );
    if (sent.kind === 'statement')
      throw new StatementError(`${this.name}: SendRequest answered a statement instead of a reference code`, false);
    if (sent.kind === 'error') throw this.refusal('SendRequest', sent, true);
    this.log('info', `${this.name}: statement of ${account} for ${fromDate}..${toDate} requested (reference code ${sent.referenceCode})`);

    const getUrl = this.getStatementUrl(sent.url);
    let pause = this.polling.firstMs;
    for (let attempt = 1; attempt <= this.polling.maxAttempts; attempt++) {
      if (performance.now() + pause > deadline) break;
      await sleep(pause);
      const answer = await this.ask('GetStatement', getUrl, { q: sent.referenceCode }, deadline);
      if (answer.kind === 'statement') return this.read(answer.root, account, fromDate, toDate);
      if (answer.kind === 'accepted')
        throw new StatementError(`${this.name}: GetStatement answered a reference code instead of the statement`, false);
      if (answer.code === undefined || flexCode(answer.code).kind !== 'generating') throw this.refusal('GetStatement', answer, false);
      this.log(
        'info',
        `${this.name}: statement not ready (IB ${answer.code}: ${answer.message || flexCode(answer.code).meaning}), asking again`,
      );
      pause = Math.min(pause * this.polling.factor, this.polling.maxMs);
    }
    throw new StatementError(
      `${this.name}: IB was still generating the statement when its deadline (FLEX_TIMEOUT_MS=${this.settings.timeoutMs}) passed; a later run asks again`,
      true,
      1019,
    );
  }

  private read(root: Record<string, unknown>, account: string, fromDate: string, toDate: string): BrokerStatement {
    try {
      const statement = readStatement(root, { account, fromDate, toDate, zone: this.zone });
      for (const note of statement.notes ?? []) this.log('info', `${this.name}: ${note}`);
      this.log(
        'info',
        `${this.name}: statement of ${account} for ${statement.fromDate}..${statement.toDate}: ${statement.executions.length} execution(s)`,
      );
      return statement;
    } catch (error) {
      if (error instanceof FlexFormatError) throw new StatementError(`${this.name}: ${error.message}`, error.transient);
      throw error;
    }
  }

  /** One GET, paced, within its deadline; the answer read. */
  private async ask(step: string, url: URL, params: Record<string, string>, deadline: number): Promise<FlexAnswer> {
    if (!(await this.pacer.take(deadline))) {
      throw new StatementError(
        `${this.name}: ${step} would exceed IB's pacing (one request a second, 10 a minute) before the statement's deadline; a later run asks again`,
        true,
        1018,
      );
    }
    const target = new URL(url);
    target.searchParams.set('t', this.settings.token);
    for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
    target.searchParams.set('v', '3');

    const left = deadline - performance.now();
    const limit = Math.max(1, Math.min(this.requestTimeoutMs, left));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), limit);
    let status: number;
    let body: string;
    try {
      const response = await fetch(target, {
        method: 'GET',
        redirect: 'manual',
        signal: controller.signal,
        headers: { 'User-Agent': `ib-rebalancer Node.js/${process.versions.node}`, Accept: 'application/xml, text/xml' },
      });
      status = response.status;
      body = await readLimited(response, MAX_STATEMENT_BYTES);
    } catch (error) {
      if (error instanceof StatementError) throw new StatementError(`${this.name}: ${step}: ${error.message}`, true);
      const where = `${step} to ${url.origin}`;
      if (controller.signal.aborted) {
        const whose =
          limit < this.requestTimeoutMs ? `the statement's deadline (FLEX_TIMEOUT_MS=${this.settings.timeoutMs})` : `${limit} ms`;
        throw new StatementError(`${this.name}: no answer to ${where} within ${whose}; a later run asks again`, true);
      }
      throw new StatementError(`${this.name}: ${where} failed (${networkReason(error)}); a later run asks again`, true);
    } finally {
      clearTimeout(timer);
    }
    if (status >= 300 && status < 400) {
      throw new StatementError(
        `${this.name}: ${step} was answered HTTP ${status}, a redirect (not followed: it would carry the token): check FLEX_URL (IB's is ${IB_FLEX_URL})`,
        false,
      );
    }
    if (status === 429 || status >= 500) {
      throw new StatementError(`${this.name}: ${step} was answered HTTP ${status} by ${url.origin}; a later run asks again`, true);
    }
    if (status !== 200) {
      throw new StatementError(
        `${this.name}: ${step} was answered HTTP ${status} by ${url.origin}: check FLEX_URL (IB's is ${IB_FLEX_URL})`,
        false,
      );
    }
    try {
      return readFlexAnswer(body);
    } catch (error) {
      if (error instanceof FlexFormatError) throw new StatementError(`${this.name}: ${step}: ${error.message}`, error.transient);
      throw error;
    }
  }

  /** A FlexStatementResponse that says no, as a StatementError naming the code and what to do. */
  private refusal(step: string, answer: Extract<FlexAnswer, { kind: 'error' }>, sending: boolean): StatementError {
    if (answer.code === undefined) {
      return new StatementError(
        `${this.name}: ${step} answered Status ${answer.status || '(none)'} without an error code${answer.message ? `: "${answer.message}"` : ''}`,
        false,
      );
    }
    const code = flexCode(answer.code);
    if (answer.code === 1018) this.pacer.throttled();
    const retryLater = code.kind !== 'fix';
    const said = answer.message !== '' ? ` "${answer.message}"` : '';
    const when = sending ? 'refused the request' : 'did not give the statement';
    return new StatementError(
      `${this.name}: IB ${when}: error ${answer.code}${said} (${code.meaning}): ${code.action}`,
      retryLater,
      answer.code,
    );
  }

  private endpoint(name: string): URL {
    return new URL(`${this.base.href.replace(/\/+$/, '')}/${name}`);
  }

  /** The Url SendRequest named, when it is safe to send the token there; else the configured one. */
  private getStatementUrl(named: string | undefined): URL {
    const fallback = this.endpoint('GetStatement');
    if (named === undefined) return fallback;
    let url: URL;
    try {
      url = new URL(named);
    } catch {
      return fallback;
    }
    const ib = url.protocol === 'https:' && (url.hostname === 'interactivebrokers.com' || url.hostname.endsWith('.interactivebrokers.com'));
    if (url.origin === this.base.origin || ib) {
      url.search = '';
      url.hash = '';
      return url;
    }
    this.log('warn', `${this.name}: IB named GetStatement at ${url.origin}, not at FLEX_URL's host: asked ${fallback.origin} instead`);
    return fallback;
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.options.log?.[level](this.mask(message));
  }

  private mask(text: string): string {
    return redactSecrets(text, this.masks);
  }
}

/** The configuration the factory reads (Config has it). */
export interface FlexConfig {
  flex: { token?: string; queryId?: string; url: string; timeoutMs: number };
}

/** The statement source of the configuration, or undefined when FLEX_TOKEN and FLEX_QUERY_ID are not both set. */
export function flexStatementSource(config: FlexConfig, options: FlexSourceOptions = {}): StatementSource | undefined {
  const { token, queryId, url, timeoutMs } = config.flex;
  if (token === undefined || token === '' || queryId === undefined || queryId === '') return undefined;
  return new FlexStatementSource({ token, queryId, url, timeoutMs }, options);
}

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

/** Why a request failed, told by its code (ECONNREFUSED, ENOTFOUND...), never by a text that may quote the URL. */
function networkReason(error: unknown): string {
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  const code = cause instanceof Error && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
  if (code !== undefined) return code;
  return error instanceof Error ? error.name : 'network error';
}

/** Larger than any statement of a personal account over a year; an answer past it is refused, not read on. */
export const MAX_STATEMENT_BYTES = 64 * 1024 * 1024;

/** The body as text, refused once it passes `limit` bytes (an endless or hostile answer must not fill memory). */
async function readLimited(response: Response, limit: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new StatementError(`the answer passed ${limit} bytes, more than any statement: refused; a later run asks again`, true);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
