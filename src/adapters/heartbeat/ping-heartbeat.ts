import type { Heartbeat } from '../../ports/heartbeat.js';

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
    // `{exit}` in the URL becomes the run's exit code (healthchecks.io reads it as a path suffix:
    // https://hc-ping.com/<uuid>/{exit}, where anything but 0 signals a failure); other URLs are requested as given.
    const target = new URL(url.replaceAll('{exit}', String(exitCode)).replaceAll('%7Bexit%7D', String(exitCode)));
    // Redirects are not followed: the URL carries a token, and the run talks to the configured host only.
    const response = await fetch(target, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    if (response.status >= 300 && response.status < 400) {
      return { ok: false, reason: `HTTP ${response.status} redirect to ${whereTo(response.headers.get('location'), target)} not followed` };
    }
    return response.ok ? { ok: true, status: response.status } : { ok: false, reason: `HTTP ${response.status}` };
  } catch (error) {
    const reason =
      error instanceof Error ? (error.name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : error.message) : String(error);
    return { ok: false, reason };
  }
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

/** The heartbeat port over HTTP GET to `url` (`{exit}` becomes the run's exit code). */
export function httpHeartbeat(url: string, timeoutMs: number): Heartbeat {
  return { ping: (exitCode) => pingHeartbeat(url, exitCode, timeoutMs) };
}
