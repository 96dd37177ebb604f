/**
 * One HTTP request to a configured URL that carries a token (a heartbeat, a webhook, an ntfy topic): a deadline,
 * no retry, no redirect followed, and an answer that never rejects and never quotes the URL.
 */

export type RequestOutcome = { ok: true; status: number } | { ok: false; reason: string };

export interface RequestOnce {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The whole request, answer included: past it the request is abandoned. */
  timeoutMs: number;
}

/**
 * Sends the request once. A redirect is not followed (the URL carries a token, and the run talks to the configured
 * host only) and is told by its origin only; an HTTP error is told by its status; a request that gets no answer
 * within the deadline is abandoned. Never throws.
 */
export async function requestOnce(target: URL, o: RequestOnce): Promise<RequestOutcome> {
  try {
    const response = await fetch(target, {
      method: o.method,
      ...(o.headers === undefined ? {} : { headers: o.headers }),
      ...(o.body === undefined ? {} : { body: o.body }),
      signal: AbortSignal.timeout(o.timeoutMs),
      redirect: 'manual',
    });
    await response.body?.cancel();
    if (response.status >= 300 && response.status < 400) {
      return { ok: false, reason: `HTTP ${response.status} redirect to ${whereTo(response.headers.get('location'), target)} not followed` };
    }
    return response.ok ? { ok: true, status: response.status } : { ok: false, reason: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, reason: describeFailure(error, o.timeoutMs) };
  }
}

/** Why no answer came: the deadline, or the network's error with its code (fetch's own message is "fetch failed"). */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return `no answer in ${timeoutMs} ms`;
  const cause: unknown = error.cause;
  const code = cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}

/**
 * Where a redirect points, told by its origin only: the rest of the address is the peer's text, and may carry
 * the token (echoed, encoded, moved to another path) in a form no mask knows.
 */
function whereTo(location: string | null, from: URL): string {
  if (location === null) return 'nowhere';
  try {
    const to = new URL(location, from);
    return to.pathname === '/' && to.search === '' ? to.origin : `${to.origin}/…`;
  } catch {
    return 'an address that is not a URL';
  }
}
