/**
 * Opening a session: a bounded number of attempts with a short backoff, each on a brand-new client.
 *
 * A new IBApi per attempt, because the library keeps whatever was queued on a client and sends it after
 * the next successful connect; nothing is requested before a session is ready, so a retry cannot repeat
 * anything. Retrying is safe here and only here: orders are never retried (DESIGN.md, STYLE.md).
 */
import { BrokerError } from '../../ports/broker.js';
import { IbSession, type IbSessionOptions } from './ib-session.js';

export interface ConnectOptions extends IbSessionOptions {
  /** IB_TIMEOUT_MS: how long one attempt may take. */
  timeoutMs: number;
  /** IB_CONNECT_RETRIES: attempts after the first. */
  retries: number;
  /** Wait before the first retry; doubled for each later one (default 500 ms). */
  backoffMs?: number;
}

const MAX_BACKOFF_MS = 8000;

/**
 * A ready session, or a BrokerError of kind 'connect' saying where, how often, why, and what to check.
 */
export async function connectSession(options: ConnectOptions): Promise<IbSession> {
  const attempts = options.retries + 1;
  const where = `${options.host}:${options.port}`;
  const reasons: string[] = [];
  let lastCode: number | undefined;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const session = new IbSession(options);
    try {
      await session.open(options.timeoutMs);
      options.log.info(
        { host: options.host, port: options.port, clientId: options.clientId, attempt, accounts: session.accounts },
        'connected to IB',
      );
      return session;
    } catch (error) {
      session.close();
      const reason = error instanceof Error ? error.message : String(error);
      lastCode = error instanceof BrokerError ? error.code : undefined;
      reasons.push(`attempt ${attempt}: ${reason}`);
      options.log.warn({ attempt, attempts, host: options.host, port: options.port }, `IB connection attempt failed: ${reason}`);
      if (attempt < attempts) await sleep(Math.min(MAX_BACKOFF_MS, (options.backoffMs ?? 500) * 2 ** (attempt - 1)));
    }
  }
  throw new BrokerError(
    `could not connect to TWS/IB Gateway at ${where} as client id ${options.clientId} after ${attempts} attempt(s) ` +
      `(${reasons.join('; ')}). Check that IB Gateway or TWS is running and logged in, that its API is enabled ` +
      '(Configure > API > Settings > Enable ActiveX and Socket Clients), that IB_HOST/IB_PORT match its socket port ' +
      '(4002 Gateway paper, 4001 Gateway live, 7497 TWS paper, 7496 TWS live), that this host is a trusted IP, and ' +
      `that no other program uses client id ${options.clientId}`,
    'connect',
    lastCode,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
