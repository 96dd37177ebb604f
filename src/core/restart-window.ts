import { DateTime, IANAZone } from 'luxon';
import { parseInstant, toIsoUtc } from './session.js';

/**
 * IB Gateway's daily restart: at the time set in Configure > Settings > Lock and Exit ("Auto restart"), read on
 * the clock of the machine it runs on, it closes every API socket, is gone for a few minutes and comes back
 * logged in (until the weekly re-authentication). A run that starts near that time would be cut; the job skips it.
 *
 * The time is written with its zone, `HH:MM <IANA zone>` (`23:45 Europe/Zurich`): the gateway reads it on its
 * own machine's zone, which need not be this one's. The restart happens at that wall time every day: on a day
 * the clocks go forward past it, at the same instant a wall time in the gap resolves to (luxon and Java both
 * move it forward by the gap); on a day they go back over it, the window covers both occurrences.
 */
export interface DailyRestart {
  hour: number;
  minute: number;
  /** IANA zone name, as given. */
  zone: string;
}

/** The window around one restart in which runs do not connect. */
export interface RestartWindow {
  /** The restart's instant (UTC ISO 8601); in a repeated hour, the first occurrence. */
  restartAt: string;
  /** First and last instants of the window (UTC ISO 8601), both inside it. */
  start: string;
  end: string;
}

const FORMAT = /^([01]\d|2[0-3]):([0-5]\d)\s+(\S+)$/;

/** The restart time from `HH:MM <IANA zone>` (24-hour clock), or the reason it is not one. */
export function parseDailyRestart(text: string): DailyRestart | { problem: string } {
  if (/\s[AaPp][Mm]$/.test(text.trim())) {
    return { problem: 'must be on a 24-hour clock with a time zone, e.g. "23:45 America/New_York" for 11:45 PM there' };
  }
  const m = FORMAT.exec(text.trim());
  if (m === null) return { problem: 'must be HH:MM and a time zone, e.g. "23:45 America/New_York" (24-hour clock)' };
  const zone = m[3] ?? '';
  // A fixed offset or an abbreviation is refused: the gateway's clock follows its zone's daylight saving time.
  if (!zone.includes('/') || !IANAZone.isValidZone(zone)) {
    return { problem: `${zone} is not an IANA time zone name such as Europe/Zurich or America/New_York` };
  }
  return { hour: Number(m[1]), minute: Number(m[2]), zone };
}

/** `23:45 Europe/Zurich`. */
export function describeDailyRestart(r: DailyRestart): string {
  return `${String(r.hour).padStart(2, '0')}:${String(r.minute).padStart(2, '0')} ${r.zone}`;
}

/**
 * The restart window `now` falls in, if any: from `minutes` before the restart to `minutes` after it (both ends
 * included). The restarts of the day before, the day and the day after `now` (in the restart's zone) are all
 * considered, so a window across midnight is found from either side.
 */
export function restartWindowAt(now: string, restart: DailyRestart, minutes: number): RestartWindow | undefined {
  const at = parseInstant(now);
  const today = at.setZone(restart.zone).startOf('day');
  for (const day of [today.minus({ days: 1 }), today, today.plus({ days: 1 })]) {
    const occurrences = restartsOn(day, restart);
    const first = occurrences[0];
    const last = occurrences[occurrences.length - 1];
    if (first === undefined || last === undefined) continue;
    const start = first.minus({ minutes });
    const end = last.plus({ minutes });
    if (at >= start && at <= end) return { restartAt: iso(first), start: iso(start), end: iso(end) };
  }
  return undefined;
}

/** The instants of the restart on a day of its zone, in order: one, or two when the clocks go back over it. */
function restartsOn(day: DateTime, r: DailyRestart): DateTime[] {
  const wall = { year: day.year, month: day.month, day: day.day, hour: r.hour, minute: r.minute };
  const resolved = DateTime.fromObject(wall, { zone: r.zone });
  if (!resolved.isValid) return [];
  // A repeated wall time (the clocks go back over it) is found at the other offset too, whichever one luxon chose;
  // shifts of daylight saving time are 30 minutes or an hour.
  const sameWallTime = (t: DateTime): boolean => t.day === day.day && t.hour === r.hour && t.minute === r.minute;
  const shifts = [-60, -30, 0, 30, 60].map((m) => resolved.plus({ minutes: m })).filter(sameWallTime);
  return shifts.length > 0 ? shifts : [resolved];
}

const iso = toIsoUtc;
