/**
 * Dead-man's switch: after every run, request HEARTBEAT_URL (healthchecks.io, Cronitor, Uptime Kuma push
 * monitors...). When the requests stop, that service alerts: the one failure the rebalancer cannot report
 * itself is not running at all. Never throws: a heartbeat that fails is reported, not fatal.
 */
export async function pingHeartbeat(
  url: string,
  exitCode: number,
  timeoutMs: number,
): Promise<{ ok: true; status: number } | { ok: false; reason: string }> {
  try {
    // healthchecks.io reads a trailing exit status; other services ignore the query string.
    const target = new URL(url);
    target.searchParams.set('exit', String(exitCode));
    // Redirects are not followed: the URL carries a token, and the run talks to the configured host only.
    const response = await fetch(target, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    if (response.status >= 300 && response.status < 400) {
      return { ok: false, reason: `HTTP ${response.status} redirect to ${response.headers.get('location') ?? 'nowhere'} not followed` };
    }
    return response.ok ? { ok: true, status: response.status } : { ok: false, reason: `HTTP ${response.status}` };
  } catch (error) {
    const reason = error instanceof Error ? (error.name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : error.message) : String(error);
    return { ok: false, reason };
  }
}
