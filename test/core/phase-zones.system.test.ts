import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DateTime } from 'luxon';
import { beforeAll, describe, expect, it } from 'vitest';

// Setting process.env.TZ inside a running process depends on Node resetting its ICU zone; a fresh `node`
// started with TZ in its environment is what cron gives us, so each machine zone runs in its own process,
// loading the TypeScript source through Vite's module runner (no build needed).
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ZONES = ['Asia/Singapore', 'UTC', 'America/New_York', 'Europe/Berlin'] as const;

// 2026: the US changes clocks on 8 March and 1 November, the EU on 29 March and 25 October. Between those
// dates New York is only 5 hours behind Berlin instead of 6, so Europe sees the 09:30 open an hour earlier.
const WEEKS = [
  { monday: '2026-03-02', utcOpen: '14:30', berlinOpen: '15:30' }, // EST, CET
  { monday: '2026-03-09', utcOpen: '13:30', berlinOpen: '14:30' }, // EDT, CET
  { monday: '2026-03-23', utcOpen: '13:30', berlinOpen: '14:30' }, // EDT, CET
  { monday: '2026-03-30', utcOpen: '13:30', berlinOpen: '15:30' }, // EDT, CEST (Friday 3 April: Good Friday)
  { monday: '2026-10-19', utcOpen: '13:30', berlinOpen: '15:30' }, // EDT, CEST
  { monday: '2026-10-26', utcOpen: '13:30', berlinOpen: '14:30' }, // EDT, CET
  { monday: '2026-11-02', utcOpen: '14:30', berlinOpen: '15:30' }, // EST, CET
];
const DATES = WEEKS.flatMap((w) =>
  [0, 1, 2, 3, 4].map((i) => DateTime.fromISO(w.monday, { zone: 'utc' }).plus({ days: i }).toISODate() ?? ''),
);
const INSTANTS = [
  '2026-03-06T14:29:59Z',
  '2026-03-06T14:30:00Z',
  '2026-03-06T20:59:59Z',
  '2026-03-06T21:00:00Z',
  '2026-03-09T13:30:00Z',
  '2026-03-09T13:34:59Z',
  '2026-03-09T13:35:00Z',
  '2026-03-09T19:49:59Z',
  '2026-03-09T19:50:00Z',
  '2026-03-30T13:29:59Z',
  '2026-04-03T15:00:00Z',
  '2026-10-30T22:00:00Z',
  '2026-11-02T14:29:59Z',
  '2026-11-27T17:50:00Z',
  '2026-11-26T15:00:00Z',
  '2026-11-28T03:00:00Z',
];

const SCRIPT = `
import { runnerImport } from 'vite';
const load = async (file) => (await runnerImport(file, { configFile: false, logLevel: 'silent' })).module;
const { phaseOf } = await load('./src/core/phase.ts');
const { sessionOn, isSessionOpen, nextSessionOpen, tradingDayOf, NYSE_RULES } = await load('./src/core/session.ts');
const { dates, instants } = JSON.parse(process.argv[1]);
const local = (iso) => { const d = new Date(iso); return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0'); };
console.log(JSON.stringify({
  zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  sessions: dates.map((date) => { const s = sessionOn(date, NYSE_RULES); return { date, session: s, localOpen: s && local(s.open) }; }),
  answers: instants.map((now) => ({
    now, phase: phaseOf(now, { noTradeFirstMinutes: 5, noTradeLastMinutes: 10, rules: NYSE_RULES }), open: isSessionOpen(now, NYSE_RULES),
    next: nextSessionOpen(now, NYSE_RULES), day: tradingDayOf(now),
  })),
}));
`;

interface SessionView {
  date: string;
  session?: { open: string; close: string };
  localOpen?: string;
}
interface ProbeOutput {
  zone: string;
  sessions: SessionView[];
  answers: { now: string; phase: { ordersAllowed: boolean; reason: string } }[];
}

async function probe(tz: string): Promise<ProbeOutput> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', SCRIPT, JSON.stringify({ dates: DATES, instants: INSTANTS })],
    { cwd: ROOT, env: { ...process.env, TZ: tz }, timeout: 25_000 },
  );
  return JSON.parse(stdout) as ProbeOutput;
}

describe('the same instants in every machine time zone (child processes)', () => {
  const results = new Map<string, ProbeOutput>();
  beforeAll(async () => {
    const outputs = await Promise.all(ZONES.map(probe));
    ZONES.forEach((tz, i) => results.set(tz, outputs[i] as ProbeOutput));
  });
  const get = (tz: string): ProbeOutput => {
    const r = results.get(tz);
    if (r === undefined) throw new Error(`no output for ${tz}`);
    return r;
  };

  it.each(ZONES)('really ran with TZ=%s', (tz) => {
    expect(get(tz).zone).toMatch(tz === 'UTC' ? /^(Etc\/)?UTC$/ : new RegExp(`^${tz}$`));
  });

  it('gives identical sessions, phases and next opens whatever the zone', () => {
    const strip = (r: ProbeOutput): unknown => ({
      sessions: r.sessions.map(({ date, session }) => ({ date, session })),
      answers: r.answers,
    });
    const reference = strip(get('UTC'));
    for (const tz of ZONES) expect(strip(get(tz)), tz).toEqual(reference);
  });

  it.each(WEEKS)('opens at 09:30 New York in the week of $monday: $utcOpen UTC, $berlinOpen in Berlin', (week) => {
    for (const { date, session, localOpen } of get('Europe/Berlin').sessions.filter((s) => weekOf(s.date) === week.monday)) {
      if (date === '2026-04-03') {
        expect(session, 'Good Friday').toBeUndefined();
        continue;
      }
      expect(session?.open, date).toBe(`${date}T${week.utcOpen}:00Z`);
      expect(localOpen, date).toBe(week.berlinOpen);
      expect(get('America/New_York').sessions.find((s) => s.date === date)?.localOpen, date).toBe('09:30');
      const singapore = week.utcOpen === '14:30' ? '22:30' : '21:30';
      expect(get('Asia/Singapore').sessions.find((s) => s.date === date)?.localOpen, date).toBe(singapore);
    }
  });

  it('answers the boundary instants as the exchange does', () => {
    const allowed = get('Asia/Singapore').answers.map((a) => [a.now, a.phase.ordersAllowed, a.phase.reason]);
    expect(allowed).toEqual([
      ['2026-03-06T14:29:59Z', false, 'market not open yet: the session opens at 09:30 New York time'],
      ['2026-03-06T14:30:00Z', false, 'in the first 5 minutes of the session (no-trade window)'],
      ['2026-03-06T20:59:59Z', false, 'in the last 10 minutes of the session (no-trade window)'],
      ['2026-03-06T21:00:00Z', false, 'market closed for the day at 16:00 New York time'],
      ['2026-03-09T13:30:00Z', false, 'in the first 5 minutes of the session (no-trade window)'],
      ['2026-03-09T13:34:59Z', false, 'in the first 5 minutes of the session (no-trade window)'],
      ['2026-03-09T13:35:00Z', true, 'market open until 16:00 New York time'],
      ['2026-03-09T19:49:59Z', true, 'market open until 16:00 New York time'],
      ['2026-03-09T19:50:00Z', false, 'in the last 10 minutes of the session (no-trade window)'],
      ['2026-03-30T13:29:59Z', false, 'market not open yet: the session opens at 09:30 New York time'],
      ['2026-04-03T15:00:00Z', false, 'market closed: Good Friday'],
      ['2026-10-30T22:00:00Z', false, 'market closed for the day at 16:00 New York time'],
      ['2026-11-02T14:29:59Z', false, 'market not open yet: the session opens at 09:30 New York time'],
      ['2026-11-27T17:50:00Z', false, 'in the last 10 minutes of the session (no-trade window)'],
      ['2026-11-26T15:00:00Z', false, 'market closed: Thanksgiving Day'],
      // 22:00 Friday in New York, already Saturday in UTC and Singapore: still Friday's (early) close.
      ['2026-11-28T03:00:00Z', false, 'market closed for the day at 13:00 New York time (early close: day after Thanksgiving)'],
    ]);
  });
});

function weekOf(date: string): string {
  return DateTime.fromISO(date, { zone: 'utc' }).startOf('week').toISODate() ?? '';
}
