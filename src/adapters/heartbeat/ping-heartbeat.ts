import type { Heartbeat } from '../../ports/heartbeat.js';
import { requestOnce } from '../http/request-once.js';

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
  // `{exit}` in the URL becomes the run's exit code (healthchecks.io reads it as a path suffix:
  // https://hc-ping.com/<uuid>/{exit}, where anything but 0 signals a failure); other URLs are requested as given.
  let target: URL;
  try {
    target = new URL(url.replaceAll('{exit}', String(exitCode)).replaceAll('%7Bexit%7D', String(exitCode)));
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  return requestOnce(target, { method: 'GET', timeoutMs });
}

/** The heartbeat port over HTTP GET to `url` (`{exit}` becomes the run's exit code). */
export function httpHeartbeat(url: string, timeoutMs: number): Heartbeat {
  return { ping: (exitCode) => pingHeartbeat(url, exitCode, timeoutMs) };
}
