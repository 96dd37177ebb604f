/**
 * IB's date-time spellings ↔ ISO 8601 UTC. Pure.
 *
 * IB writes execution times as `yyyyMMdd HH:mm:ss <zone>` (the zone of the TWS login, e.g. US/Eastern),
 * `yyyyMMdd-HH:mm:ss` (UTC), or, from older gateways, `yyyyMMdd HH:mm:ss` with no zone at all. Filters it
 * accepts in UTC as `yyyyMMdd-HH:mm:ss`.
 */
import { DateTime } from 'luxon';

/** Abbreviations IB has been seen to use, mapped to the IANA zone they stand for (not to a fixed offset). */
const ZONE_ALIASES: ReadonlyMap<string, string> = new Map([
  ['EST', 'America/New_York'],
  ['EDT', 'America/New_York'],
  ['ET', 'America/New_York'],
  ['CST', 'America/Chicago'],
  ['CDT', 'America/Chicago'],
  ['MST', 'America/Denver'],
  ['MDT', 'America/Denver'],
  ['PST', 'America/Los_Angeles'],
  ['PDT', 'America/Los_Angeles'],
  ['GMT', 'UTC'],
  ['UTC', 'UTC'],
  ['Z', 'UTC'],
]);

const ZONED = /^(\d{8})\s+(\d{2}:\d{2}:\d{2})\s+(\S+)$/;
const UTC_DASH = /^(\d{8})-(\d{2}:\d{2}:\d{2})(?:\s+(\S+))?$/;
const UNZONED = /^(\d{8})\s+(\d{2}:\d{2}:\d{2})$/;
const EPOCH_SECONDS = /^\d{9,11}$/;

export interface ParseIbTimeOptions {
  /** Zone for times IB sends without one (older gateways use the TWS login's zone). Default America/New_York. */
  zonelessZone?: string;
}

/**
 * An IB time as ISO 8601 UTC without milliseconds (`2026-11-23T15:35:01Z`).
 * @throws RangeError naming the text when it matches no known form or names an unknown zone.
 */
export function parseIbTime(text: string, options: ParseIbTimeOptions = {}): string {
  const value = text.trim();
  if (EPOCH_SECONDS.test(value)) return toIso(DateTime.fromSeconds(Number(value), { zone: 'UTC' }), text);
  const dashed = UTC_DASH.exec(value);
  if (dashed) return fromParts(dashed[1], dashed[2], dashed[3] ?? 'UTC', text);
  const zoned = ZONED.exec(value);
  if (zoned) return fromParts(zoned[1], zoned[2], zoned[3], text);
  const bare = UNZONED.exec(value);
  if (bare) return fromParts(bare[1], bare[2], options.zonelessZone ?? 'America/New_York', text);
  throw new RangeError(`unrecognised IB time "${text}" (expected yyyyMMdd HH:mm:ss <zone> or yyyyMMdd-HH:mm:ss)`);
}

/** An ISO 8601 instant in IB's UTC filter form `yyyyMMdd-HH:mm:ss`. */
export function formatIbUtc(iso: string): string {
  const dt = DateTime.fromISO(iso, { setZone: true });
  if (!dt.isValid) throw new RangeError(`not an ISO 8601 instant: "${iso}"`);
  return dt.toUTC().toFormat('yyyyMMdd-HH:mm:ss');
}

function fromParts(date: string | undefined, time: string | undefined, zoneName: string | undefined, text: string): string {
  const zone = resolveZone(zoneName ?? '', text);
  const dt = DateTime.fromFormat(`${date ?? ''} ${time ?? ''}`, 'yyyyMMdd HH:mm:ss', { zone });
  return toIso(dt, text);
}

function resolveZone(name: string, text: string): string {
  const zone = ZONE_ALIASES.get(name.toUpperCase()) ?? name;
  if (!DateTime.now().setZone(zone).isValid) throw new RangeError(`unknown time zone "${name}" in IB time "${text}"`);
  return zone;
}

function toIso(dt: DateTime, text: string): string {
  const iso = dt.isValid ? dt.toUTC().toISO({ suppressMilliseconds: true }) : null;
  if (iso === null) throw new RangeError(`invalid IB time "${text}"`);
  return iso;
}
