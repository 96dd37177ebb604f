import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderNlvChart } from '../../src/report/nlv-chart.js';
import { displayedFontPx, isLine, lineCentre, lineExtent, pixelsOf, xLabelGlyphHeight, xLabelRuns, type Pixels } from './chart-pixels.js';
import { PNG_MAGIC, pngSize } from './report-builders.js';

const day = [
  { t: '2026-11-23T14:35:00Z', nlv: 100_004 },
  { t: '2026-11-23T15:35:00Z', nlv: 100_180 },
  { t: '2026-11-23T16:35:00Z', nlv: 100_090 },
  { t: '2026-11-23T17:35:00Z', nlv: 99_870 },
  { t: '2026-11-23T18:35:00Z', nlv: 100_020 },
  { t: '2026-11-23T21:05:00Z', nlv: 100_234.5 },
];

describe('renderNlvChart', () => {
  it('draws a PNG of 480x220 CSS pixels at twice the resolution', async () => {
    const png = await renderNlvChart(day, 'NLV today (ET)', { baseline: 100_004, baselineLabel: 'previous close 100,004.00' });
    expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    expect(pngSize(png)).toEqual({ width: 960, height: 440 });
    expect(png.length).toBeGreaterThan(5_000);
    // Kept for a person to look at: REPORT_CHART_DIR=/some/dir npx vitest run test/report/nlv-chart.test.ts
    const dir = process.env.REPORT_CHART_DIR;
    if (dir !== undefined) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'nlv-today.png'), png);
    }
  });

  it('draws one close per trading day, and a chart with no data at all', async () => {
    const closes = Array.from({ length: 30 }, (_, i) => ({
      t: `2026-10-${String(i + 1).padStart(2, '0')}`,
      nlv: 95_000 + i * 150 + (i % 4) * 300,
    }));
    const month = await renderNlvChart(closes, 'Closing NLV, last 30 trading days');
    const empty = await renderNlvChart([], 'NLV today (ET)');
    for (const png of [month, empty]) {
      expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
      expect(pngSize(png)).toEqual({ width: 960, height: 440 });
    }
    expect(month.length).toBeGreaterThan(empty.length);
    if (process.env.REPORT_CHART_DIR !== undefined) writeFileSync(join(process.env.REPORT_CHART_DIR, 'nlv-30-days.png'), month);
  });

  it('draws the same picture twice for the same points', async () => {
    const a = await renderNlvChart(day, 'NLV today (ET)');
    const b = await renderNlvChart(day, 'NLV today (ET)');
    expect(a.equals(b)).toBe(true);
  });
});

/** Columns where the line is drawn, as fractions of the way from the first point's column to the last's. */
function drawnAt(p: Pixels, fractions: number[]): boolean[] {
  const { left, right } = lineExtent(p);
  // The markers reach past the first and last points by their radius (2.5 CSS px, 5 PNG px).
  const [first, last] = [left + 5, right - 5];
  return fractions.map((f) => lineCentre(p, Math.round(first + f * (last - first))) !== undefined);
}

describe('the line joins measured points with straight segments and leaves out what was not measured', () => {
  it('a V of three points (100, 90, 100) is two straight lines: the line passes through the midpoint of each side', async () => {
    const v = [
      { t: '2026-11-23T14:35:00Z', nlv: 100 },
      { t: '2026-11-23T15:35:00Z', nlv: 90 },
      { t: '2026-11-23T16:35:00Z', nlv: 100 },
    ];
    const p = await pixelsOf(await renderNlvChart(v, 'NLV today (ET)'));
    const { left, right } = lineExtent(p);
    const bottom = Math.round((left + right) / 2);
    expect(lineCentre(p, bottom)).toBeDefined();
    // Inside each side, away from the markers (radius 5 PNG px), the line's centre in every column lies on the chord
    // between the side's two ends: a curve (tension, monotone cubic) bulges away from it by tens of pixels.
    for (const [from, to] of [
      [left + 12, bottom - 12],
      [bottom + 12, right - 12],
    ] as const) {
      const a = lineCentre(p, from) ?? Number.NaN;
      const b = lineCentre(p, to) ?? Number.NaN;
      const mid = Math.round((from + to) / 2);
      const off = Math.abs((lineCentre(p, mid) ?? Number.POSITIVE_INFINITY) - (a + b) / 2);
      expect(off, `distance of the line at column ${mid} from the midpoint of ${from}-${to}, in PNG px`).toBeLessThanOrEqual(1.5);
      let worst = 0;
      for (let x = from; x <= to; x++) {
        const chord = a + ((b - a) * (x - from)) / (to - from);
        worst = Math.max(worst, Math.abs((lineCentre(p, x) ?? Number.POSITIVE_INFINITY) - chord));
      }
      expect(worst, `largest distance of the line from the straight side ${from}-${to}, in PNG px`).toBeLessThanOrEqual(1.5);
    }
    // The bottom of the V is the lowest point: nothing is drawn below the measured 90.
    const lowest = Math.max(...Array.from({ length: right - left + 1 }, (_, i) => lineCentre(p, left + i) ?? 0));
    expect(lineCentre(p, bottom)).toBeGreaterThanOrEqual(lowest - 6);
  });

  it('a missed hour is a gap in the line, and points sit at their times (a half-hour interval is half as wide)', async () => {
    // 09:35, 10:35, (11:35 missed), 12:35, 13:05 ET: 3.5 hours, the points at 0, 2/7, 6/7 and 1 of the width.
    const day = [
      { t: '2026-11-23T14:35:00Z', nlv: 100_000 },
      { t: '2026-11-23T15:35:00Z', nlv: 100_100 },
      { t: '2026-11-23T17:35:00Z', nlv: 100_050 },
      { t: '2026-11-23T18:05:00Z', nlv: 100_150 },
    ];
    const p = await pixelsOf(await renderNlvChart(day, 'NLV today (ET)'));
    const [first, gapStart, gapMiddle, gapEnd, last] = drawnAt(p, [1 / 7, 2 / 7 + 0.04, 4 / 7, 6 / 7 - 0.04, 13 / 14]);
    expect({ first, gapStart, gapMiddle, gapEnd, last }).toEqual({
      first: true,
      gapStart: false,
      gapMiddle: false,
      gapEnd: false,
      last: true,
    });
  });

  it('a trading day with no close is a gap; a weekend is not (no session, nothing to measure)', async () => {
    // Mon 16, Tue 17, (Wed 18: no close recorded), Thu 19, Fri 20, Mon 23: six trading days, five closes.
    const closes = ['2026-11-16', '2026-11-17', '2026-11-19', '2026-11-20', '2026-11-23'].map((t, i) => ({ t, nlv: 100_000 + i * 100 }));
    const p = await pixelsOf(await renderNlvChart(closes, 'Closing NLV, last 6 trading days'));
    const [monTue, tueWed, wedThu, thuFri, friMon] = drawnAt(p, [0.5 / 5, 1.5 / 5, 2.5 / 5, 3.5 / 5, 4.5 / 5]);
    expect({ monTue, tueWed, wedThu, thuFri, friMon }).toEqual({ monTue: true, tueWed: false, wedThu: false, thuFri: true, friMon: true });
  });

  it('every measured point has a marker, an isolated one too', async () => {
    // Hourly runs; 12:35 and 14:35 ET missed: the 13:35 snapshot stands alone between two gaps.
    const day = ['14:35', '15:35', '16:35', '18:35', '20:35', '21:05'].map((hhmm, i) => ({
      t: `2026-11-23T${hhmm}:00Z`,
      nlv: 100_000 + (i % 2) * 100,
    }));
    const p = await pixelsOf(await renderNlvChart(day, 'NLV today (ET)'));
    const { left, right } = lineExtent(p);
    const columns = Array.from({ length: right - left + 1 }, (_, i) => left + i).filter((x) => lineCentre(p, x) !== undefined);
    const runs: number[][] = [];
    for (const x of columns) {
      const run = runs.at(-1);
      if (run !== undefined && run.at(-1) === x - 1) run.push(x);
      else runs.push([x]);
    }
    // Three pieces: the line 09:35-11:35, the lone 13:35 marker (5 PNG px radius: about 11 columns), the line 15:35-16:05.
    expect(runs.length).toBe(3);
    expect(runs[1]?.length).toBeLessThanOrEqual(12);
    const lone = runs[1] ?? [];
    const centre = lone[Math.floor(lone.length / 2)] ?? 0;
    expect(isLine(p, centre, Math.round(lineCentre(p, centre) ?? 0))).toBe(true);
  });
});

/**
 * The email's column on a 390 px phone: 390 px less the outer cell's 6 px each side and the chart cell's 16 px each side
 * (daily-report-html.ts); on a desktop the image shows at its width attribute, 568 px.
 */
const PHONE_WIDTH = 346;
const DESKTOP_WIDTH = 568;

describe('labels read at 11 CSS px or more on a phone', () => {
  const month = Array.from({ length: 30 }, (_, i) => {
    const d = new Date(Date.UTC(2026, 9, 12) + Math.floor(i / 5) * 7 * 86_400_000 + (i % 5) * 86_400_000);
    return { t: d.toISOString().slice(0, 10), nlv: 95_000 + i * 150 + (i % 4) * 300 };
  });
  for (const [name, points, title] of [
    ['the day', day, 'NLV today (ET)'],
    ['30 trading days', month, 'Closing NLV, last 30 trading days'],
  ] as const) {
    it(`${name}: the x-axis labels' glyphs, shown ${PHONE_WIDTH} px wide, are those of an 11 px font or larger`, async () => {
      const png = await renderNlvChart([...points], title);
      const p = await pixelsOf(png);
      const glyph = xLabelGlyphHeight(p);
      expect(displayedFontPx(glyph, p.width, PHONE_WIDTH)).toBeGreaterThanOrEqual(11);
      // And not shouting on a desktop.
      expect(displayedFontPx(glyph, p.width, DESKTOP_WIDTH)).toBeLessThanOrEqual(20);
    });
  }
});

describe('the x labels do not run into each other', () => {
  it('a full day: ticks every two hours on the hour, four labels apart by more than a word space', async () => {
    // 09:35 to 16:05 ET: whole hours 10:00 to 16:00; hourly would be seven, so every two hours.
    const hours = ['14:35', '15:35', '16:35', '17:35', '18:35', '19:35', '20:35', '21:05'].map((hhmm, i) => ({
      t: `2026-11-23T${hhmm}:00Z`,
      nlv: 100_000 + i * 20,
    }));
    const runs = xLabelRuns(await pixelsOf(await renderNlvChart(hours, 'NLV today (ET)')), 14);
    expect(runs).toHaveLength(4);
  });

  it('30 trading days: five dates, the last one today', async () => {
    const days: string[] = [];
    for (let d = Date.UTC(2026, 9, 12); days.length < 30; d += 86_400_000) {
      const date = new Date(d);
      if (date.getUTCDay() % 6 !== 0) days.push(date.toISOString().slice(0, 10));
    }
    const p = await pixelsOf(
      await renderNlvChart(
        days.map((t, i) => ({ t, nlv: 95_000 + i * 150 })),
        'Closing NLV',
      ),
    );
    const runs = xLabelRuns(p, 14);
    expect(runs).toHaveLength(5);
    // The last label ends near the right edge: it is the last day's, not cut off.
    expect(runs.at(-1)?.to).toBeLessThan(p.width - 2);
    expect(runs.at(-1)?.to).toBeGreaterThan(p.width - 80);
  });
});

describe('the PNGs stay small', () => {
  // The 600x220 charts at 2x these replace were 55 kB (a day of eight points) and 54 kB (30 closes).
  it('a day of eight hourly points and 30 closes are each under 50 kB', async () => {
    const hours = Array.from({ length: 8 }, (_, i) => ({ t: `2026-11-23T${14 + i}:35:00Z`, nlv: 100_000 + ((i * 37) % 5) * 60 }));
    const closes = Array.from({ length: 30 }, (_, i) => ({ t: `2026-10-${String(i + 1).padStart(2, '0')}`, nlv: 95_000 + i * 150 }));
    const a = await renderNlvChart(hours, 'NLV today (ET)', { baseline: 100_000, baselineLabel: 'previous close 100,000.00' });
    const b = await renderNlvChart(closes, 'Closing NLV, last 30 trading days');
    expect(a.length).toBeLessThan(50_000);
    expect(b.length).toBeLessThan(50_000);
  });
});

describe('odd records still give a picture, never an error that would cost the email', () => {
  const cases: [string, { t: string; nlv: number }[]][] = [
    ['one snapshot', [{ t: '2026-11-23T14:35:00Z', nlv: 100_000 }]],
    ['one close', [{ t: '2026-11-23', nlv: 100_000 }]],
    [
      'two snapshots at the same instant',
      [
        { t: '2026-11-23T14:35:00Z', nlv: 100_000 },
        { t: '2026-11-23T14:35:00Z', nlv: 100_010 },
      ],
    ],
    [
      'a hand-edited close on a date that does not exist',
      [
        { t: '2026-02-30', nlv: 100_000 },
        { t: '2026-03-02', nlv: 100_100 },
      ],
    ],
    [
      'snapshots a year apart',
      [
        { t: '2025-11-23T14:35:00Z', nlv: 100_000 },
        { t: '2026-11-23T14:35:00Z', nlv: 100_010 },
      ],
    ],
    [
      'closes a century apart',
      [
        { t: '1926-11-23', nlv: 100 },
        { t: '2026-11-23', nlv: 100_000 },
      ],
    ],
  ];
  for (const [name, points] of cases) {
    it(name, async () => {
      const started = Date.now();
      const png = await renderNlvChart(points, 'NLV');
      expect(pngSize(png)).toEqual({ width: 960, height: 440 });
      expect(Date.now() - started, 'rendered without walking a century of calendar').toBeLessThan(5_000);
      const p = await pixelsOf(png);
      expect(lineExtent(p).right).toBeGreaterThan(0);
    });
  }
});
