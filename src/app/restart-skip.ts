/**
 * IB Gateway's daily restart window (IB_RESTART_TIME, IB_RESTART_WINDOW_MINUTES): a run of the hourly job that
 * starts in it does not connect. The gateway is about to close every API socket, or has just done so and is not
 * back yet; a run there would fail and alert about something that happens every day by design. The run is
 * recorded as skipped with a note (so the next run neither reports a missed run nor takes it for one that
 * collected executions), says so in one line, pings the heartbeat as a run that worked, and exits 0.
 */
import { DateTime } from 'luxon';
import { ExitCode } from '../errors.js';
import type { Config } from '../config/schema.js';
import { parseDailyRestart, restartWindowAt, type RestartWindow } from '../core/restart-window.js';
import { tradingDayOf } from '../core/session.js';
import type { Heartbeat } from '../ports/heartbeat.js';
import type { RunStore } from '../ports/store.js';
import type { Logger } from 'pino';

/** The restart window `now` falls in, for a run on IB; undefined when none is configured or it is outside. */
export function restartWindowOf(config: Config, now: string): (RestartWindow & { setting: string }) | undefined {
  const setting = config.broker.restartTime;
  if (config.broker.kind !== 'ib' || setting === undefined) return undefined;
  const restart = parseDailyRestart(setting);
  // The configuration checked it: a value that no longer parses is a bug, not a reason to skip.
  if ('problem' in restart) throw new Error(`invariant: IB_RESTART_TIME ${setting}: ${restart.problem}`);
  const window = restartWindowAt(now, restart, config.broker.restartWindowMinutes);
  return window === undefined ? undefined : { ...window, setting };
}

/** The one line a skipped run prints and logs. */
export function describeRestartSkip(now: string, window: RestartWindow & { setting: string }, minutes: number): string {
  const next = DateTime.fromISO(now).plus({ hours: 1 }).toUTC().toISO({ suppressMilliseconds: true }) ?? now;
  return (
    `skipped: ${now} is in IB Gateway's daily restart window (IB_RESTART_TIME=${window.setting}, ` +
    `IB_RESTART_WINDOW_MINUTES=${minutes}: ${window.start} to ${window.end}); not connected, no orders; next run ${next}`
  );
}

/** Records the run as skipped with the note, says so, pings the heartbeat (a failed ping is only logged). */
export async function skipInRestartWindow(
  deps: { store: RunStore; logger: Logger; heartbeat?: Heartbeat; out: (line: string) => void },
  run: { runId: string; now: string; dryRun: boolean; note: string },
): Promise<ExitCode> {
  const { store, logger } = deps;
  store.startRun({ runId: run.runId, startedAt: run.now, tradingDay: tradingDayOf(run.now), dryRun: run.dryRun });
  store.finishRun(run.runId, { finishedAt: run.now, status: 'skipped', exitCode: ExitCode.ok, error: run.note });
  deps.out(`run ${run.runId} ${run.note}`);
  logger.info({ runId: run.runId, status: 'skipped', exitCode: ExitCode.ok }, run.note);
  if (deps.heartbeat !== undefined) {
    const beat = await deps.heartbeat.ping(ExitCode.ok);
    if (!beat.ok) logger.warn({ reason: beat.reason }, 'heartbeat failed');
  }
  return ExitCode.ok;
}

/** Minutes beyond the skip window in which a broker failure is put down to the restart: it can take that long. */
export const NEAR_RESTART_MINUTES = 20;

/**
 * For a run that starts outside the window but within {@link NEAR_RESTART_MINUTES} more of the restart: the note a
 * failed run's alert carries. Undefined otherwise.
 */
export function nearRestartNote(config: Config, now: string): string | undefined {
  const minutes = config.broker.restartWindowMinutes;
  if (restartWindowOf(config, now) !== undefined) return undefined;
  const setting = config.broker.restartTime;
  if (config.broker.kind !== 'ib' || setting === undefined) return undefined;
  const restart = parseDailyRestart(setting);
  if ('problem' in restart) return undefined;
  const near = restartWindowAt(now, restart, minutes + NEAR_RESTART_MINUTES);
  if (near === undefined) return undefined;
  const apart = Math.round(Math.abs(Date.parse(now) - Date.parse(near.restartAt)) / 60_000);
  const side = Date.parse(now) < Date.parse(near.restartAt) ? 'before' : 'after';
  return (
    `the run started ${apart} minute(s) ${side} IB Gateway's daily restart (IB_RESTART_TIME=${setting}, at ${near.restartAt}): ` +
    'the gateway probably restarted (it closes every API connection and is away for a few minutes); nothing was resent, ' +
    'the next run reconciles the orders by orderRef. If this recurs at this time, check IB_RESTART_TIME against the gateway ' +
    'or widen IB_RESTART_WINDOW_MINUTES'
  );
}
