/**
 * The NLV charts of the daily report, drawn on the server as PNG: Chart.js on @napi-rs/canvas (Skia,
 * shipped prebuilt inside the npm package, so `npm ci` is the whole install). Mail clients block remote
 * images and strip SVG, so a PNG attached inline is the one form every client shows.
 */
import { createRequire } from 'node:module';
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { Chart, ChartDataset, ChartItem, Plugin, PointElement, Scale } from 'chart.js';
import { DateTime } from 'luxon';
import { tradingDaysBetween } from '../core/calendar.js';
import { EXCHANGE_ZONE, NYSE_RULES, type SessionRules } from '../core/session.js';
import { formatClock, formatShortDate, formatWhole } from './format.js';
import { compactHeap } from './compact-heap.js';

/** One point: `t` is an ISO instant (intraday) or a yyyy-MM-dd trading day (one close per day). */
export interface NlvPoint {
  t: string;
  nlv: number;
}

export interface NlvChartOptions {
  /** A reference level drawn as a dashed line, e.g. the previous close. */
  baseline?: number;
  baselineLabel?: string;
  /** The NLV's currency, for the y axis's title ("NLV (USD)"); without it the title is "NLV". */
  currency?: string;
  /** The exchange's calendar for one close per day: a trading day between two closes with none of its own is a gap. */
  rules?: SessionRules;
  /** CSS pixels; the PNG has twice as many so that it stays sharp on phone screens. */
  width?: number;
  height?: number;
}

/**
 * The chart's size in CSS pixels and its text. The email shows it 100% of its column: 568 px on a desktop, 346 px on a
 * 390 px phone (390 less the two cells' padding), so a label of FONT_PX shows at FONT_PX x 346 / 480 = 11.5 px there
 * and 18.9 px on a desktop. Drawn at PIXEL_RATIO: 960 PNG pixels, about a phone's 3x screen's (1038 px for 346 CSS px).
 */
export const NLV_CHART = Object.freeze({ width: 480, height: 220, pixelRatio: 2, fontPx: 16 });

const FONT = 'RebalancerInter';
const UP = '#188038';
const DOWN = '#d93025';
const GRID = '#e8eaed';
const INK = '#3c4043';
const MUTED = '#5f6368';

type Libraries = { canvas: typeof import('@napi-rs/canvas'); chart: typeof import('chart.js') };
let libraries: Promise<Libraries> | undefined;

/**
 * Skia and Chart.js are loaded on the first chart, not with the module: most hourly runs send no daily email,
 * and the two cost tens of megabytes of memory in every process that loads them. The heap is compacted first
 * (compact-heap.ts): Skia's memory then reuses what the run no longer needs instead of adding to the peak.
 */
function loadLibraries(): Promise<Libraries> {
  libraries ??= (async () => {
    compactHeap();
    const [canvas, chart] = await Promise.all([import('@napi-rs/canvas'), import('chart.js')]);
    chart.Chart.register(
      chart.LineController,
      chart.LineElement,
      chart.PointElement,
      chart.LinearScale,
      chart.CategoryScale,
      chart.Filler,
      chart.Title,
    );
    loadFonts(canvas.GlobalFonts);
    return { canvas, chart };
  })();
  return libraries;
}

/**
 * A server may have no fonts at all (a slim container): Skia then draws no text. So the chart brings its
 * own, from an npm package, under a name no system font uses.
 */
function loadFonts(fonts: Libraries['canvas']['GlobalFonts']): void {
  const require = createRequire(import.meta.url);
  for (const weight of [400, 600]) {
    const file = require.resolve(`@fontsource/inter/files/inter-latin-${weight}-normal.woff2`);
    if (fonts.registerFromPath(file, FONT) === null) throw new Error(`could not load the chart font ${file}`);
  }
}

/** Chart.js types its context as the DOM's; on the server it is Skia's, which has the same drawing API. */
const contextOf = (chart: Chart): SKRSContext2D => chart.ctx as unknown as SKRSContext2D;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const HOUR_MS = 3_600_000;
const MAX_TICKS = 5;

/**
 * Where the chart puts each point along x, and what it says there. `y` is NaN where nothing was measured: Chart.js
 * skips such a point and, with `spanGaps: false`, breaks the line and its fill there.
 */
interface Axis {
  data: { x: number; y: number }[];
  min: number;
  max: number;
  ticks: number[];
  label: (x: number) => string;
  title?: string;
}

/**
 * One close per trading day: x counts trading days, so a weekend or a holiday takes no room (the market held no
 * session: there was nothing to measure), and a trading day with no close of its own is a gap, not a straight line
 * through a close that was never taken. Ticks fall on the last day and every few days before it, at most five.
 */
function dayAxis(points: NlvPoint[], rules: SessionRules): Axis {
  const days = [...new Set([...calendarDays(points, rules), ...points.map((p) => p.t)])].sort();
  const close = new Map(points.map((p) => [p.t, p.nlv]));
  const step = Math.max(1, Math.ceil(days.length / MAX_TICKS));
  const ticks: number[] = [];
  for (let i = days.length - 1; i >= 0; i -= step) ticks.unshift(i);
  return {
    data: days.map((day, x) => ({ x, y: close.get(day) ?? Number.NaN })),
    // One day alone sits in the middle, not on an axis of no width.
    min: days.length > 1 ? 0 : -1,
    max: days.length > 1 ? days.length - 1 : 1,
    ticks,
    label: (x) => formatShortDate(days[Math.round(x)] ?? ''),
  };
}

/**
 * The trading days from the first close to the last. None (the closes alone make the axis, no gaps shown) when a
 * date is not one (a hand-edited record) or the closes span more than a year: a chart of recent days must not walk
 * a century of calendar because of one stray row.
 */
function calendarDays(points: NlvPoint[], rules: SessionRules): string[] {
  const days = points.map((p) => p.t).sort();
  const first = days[0];
  const last = days.at(-1);
  if (first === undefined || last === undefined) return [];
  if (Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`) > 366 * 24 * HOUR_MS) return [];
  try {
    return tradingDaysBetween(first, last, rules);
  } catch {
    return [];
  }
}

/**
 * Points in the day: x is the time, so an hour is as wide as every other hour. An interval longer than 90 minutes and
 * than 1.5 times the usual one (the median: an hourly run's hour) had a run missing: a gap. Ticks on whole hours in
 * New York, every 1, 2 or 3 hours, at most five; with less than two whole hours in the span, the first and last points.
 */
function timeAxis(points: NlvPoint[]): Axis {
  const xs = points.map((p) => Date.parse(p.t));
  const intervals = xs.slice(1).map((x, i) => x - (xs[i] ?? x));
  const sorted = [...intervals].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  const gap = Math.max(1.5 * HOUR_MS, 1.5 * median);
  const data: Axis['data'] = [];
  points.forEach((p, i) => {
    const x = xs[i] ?? 0;
    const before = xs[i - 1];
    if (before !== undefined && x - before > gap) data.push({ x: (before + x) / 2, y: Number.NaN });
    data.push({ x, y: p.nlv });
  });
  // One instant alone (or several at the same one) sits in the middle of an hour, not on an axis of no width.
  const alone = (xs.at(-1) ?? 0) === (xs[0] ?? 0);
  const min = (xs[0] ?? 0) - (alone ? HOUR_MS / 2 : 0);
  const max = (xs.at(-1) ?? 0) + (alone ? HOUR_MS / 2 : 0);
  let ticks: number[] = [];
  // Whole hours only across a day or so: a stray snapshot a year off must not make the chart walk every hour of it.
  for (const hours of max - min <= 48 * HOUR_MS ? [1, 2, 3, 4, 6] : []) {
    ticks = [];
    for (let x = Math.ceil(min / HOUR_MS) * HOUR_MS; x <= max; x += HOUR_MS) {
      if (DateTime.fromMillis(x, { zone: EXCHANGE_ZONE }).hour % hours === 0) ticks.push(x);
    }
    if (ticks.length <= MAX_TICKS) break;
  }
  if (ticks.length < 2) ticks = alone ? [xs[0] ?? 0] : [min, max];
  return { data, min, max, ticks, label: (x) => formatClock(new Date(x).toISOString()), title: 'time (ET)' };
}

/** Fills the canvas white first: a transparent PNG shows as black in some dark-mode clients. */
const whiteBackground: Plugin<'line'> = {
  id: 'whiteBackground',
  beforeDraw(chart) {
    const ctx = contextOf(chart);
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

/**
 * The baseline's label sits just above or below the dashed line, at the right end or else the left, wherever the NLV
 * line (its markers and segments) does not pass: first the right end on the side away from the last point (the line
 * ends there). When every place is crossed, the one the line crosses least (a marker, a measured point, counts as much
 * as a long stretch of segment), on a pale box so the label still reads, with the markers drawn again over it.
 */
function baselineLabel(text: string, endsAbove: boolean): Plugin<'line'> {
  return {
    id: 'baselineLabel',
    afterDatasetsDraw(chart) {
      const first = chart.getDatasetMeta(1).data[0];
      if (first === undefined) return;
      const ctx = contextOf(chart);
      const { chartArea } = chart;
      const size = NLV_CHART.fontPx;
      ctx.save();
      ctx.font = `${size}px ${FONT}`;
      const w = ctx.measureText(text).width;
      const line = chart
        .getDatasetMeta(0)
        .data.map((e) => ({ x: e.x, y: e.y }))
        .filter((e) => Number.isFinite(e.x) && Number.isFinite(e.y));
      const below = Math.min(chartArea.bottom - 4, first.y + size + 4);
      const above = Math.max(chartArea.top + size, first.y - 7);
      const [near, far] = endsAbove ? [below, above] : [above, below];
      const spots = [
        { left: chartArea.right - 4 - w, y: near },
        { left: chartArea.right - 4 - w, y: far },
        { left: chartArea.left + 4, y: near },
        { left: chartArea.left + 4, y: far },
      ];
      const crossings = (s: { left: number; y: number }): number => {
        const box = { l: s.left - 6, r: s.left + w + 6, t: s.y - size - 2, b: s.y + 5 };
        const inside = (x: number, y: number): boolean => x >= box.l && x <= box.r && y >= box.t && y <= box.b;
        let n = 0;
        for (let i = 0; i < line.length; i++) {
          const a = line[i];
          const b = line[i + 1];
          if (a === undefined) continue;
          if (inside(a.x, a.y)) n += 24;
          // A segment joins only neighbours in the data: the gaps' NaN points were filtered out, so skip across them.
          if (b === undefined || !joined(chart, a.x, b.x)) continue;
          for (let k = 1; k < 24; k++) if (inside(a.x + ((b.x - a.x) * k) / 24, a.y + ((b.y - a.y) * k) / 24)) n++;
        }
        return n;
      };
      const scored = spots.map((spot) => ({ spot, n: crossings(spot) }));
      const best = scored.reduce((a, b) => (b.n < a.n ? b : a));
      const at = best.spot;
      if (best.n > 0) {
        ctx.fillStyle = 'rgba(255,255,255,0.85)';
        ctx.fillRect(at.left - 2, at.y - size + 2, w + 4, size + 2);
      }
      ctx.fillStyle = MUTED;
      ctx.textAlign = 'left';
      ctx.fillText(text, at.left, at.y);
      ctx.restore();
      // The markers again, over the label: a measured point is never hidden by it.
      if (best.n > 0)
        for (const e of chart.getDatasetMeta(0).data) if (Number.isFinite(e.y)) (e as PointElement).draw(chart.ctx, chartArea);
    },
  };
}

/** True when no skipped (unmeasured) point of the NLV line lies between x-pixels a and b: the line joins them. */
function joined(chart: Chart<'line'>, a: number, b: number): boolean {
  return !chart.getDatasetMeta(0).data.some((e) => !Number.isFinite(e.y) && e.x > a && e.x < b);
}

/**
 * Renders a line chart of NLV over time as a PNG (480x220 CSS pixels at 2x by default). The line is green
 * when the last point is at or above the baseline (else the first point), red otherwise. With no points it
 * draws the title and "no data yet", so a report never lacks its image.
 *
 * Each measurement is a marker, joined to the next by a straight segment (no curve: a curve between two hourly
 * snapshots draws highs and lows no one measured). Straight rather than stepped: a step would say NLV held still for
 * the hour and then jumped, which was not measured either; a straight segment between two markers reads as what it
 * is, a join. Where a measurement is missing (see timeAxis, dayAxis) the line stops and starts again.
 */
export async function renderNlvChart(points: NlvPoint[], title: string, options: NlvChartOptions = {}): Promise<Buffer> {
  const { canvas: skia, chart: charts } = await loadLibraries();
  const width = options.width ?? NLV_CHART.width;
  const height = options.height ?? NLV_CHART.height;
  const canvas = skia.createCanvas(width, height);
  const values = points.map((p) => p.nlv);
  const reference = options.baseline ?? values[0] ?? 0;
  const colour = (values.at(-1) ?? reference) >= reference ? UP : DOWN;
  const axis = points.length > 0 && points.every((p) => DAY.test(p.t)) ? dayAxis(points, options.rules ?? NYSE_RULES) : timeAxis(points);
  // Sized for a phone: see NLV_CHART.
  const font = { family: FONT, size: NLV_CHART.fontPx };
  const axisTitle = (text: string | undefined) => ({ display: text !== undefined, text: text ?? '', color: MUTED, font, padding: 2 });
  const datasets: ChartDataset<'line', { x: number; y: number }[]>[] = [
    {
      data: axis.data,
      borderColor: colour,
      backgroundColor: `${colour}1f`,
      fill: 'start',
      borderWidth: 2,
      tension: 0,
      cubicInterpolationMode: 'default',
      stepped: false,
      spanGaps: false,
      pointRadius: 2.5,
      pointBackgroundColor: colour,
      pointBorderWidth: 0,
      // The first and last markers sit on the chart area's edges: drawn whole, not cut in half.
      clip: 4,
    },
  ];
  if (options.baseline !== undefined && points.length > 0) {
    datasets.push({
      data: [
        { x: axis.min, y: reference },
        { x: axis.max, y: reference },
      ],
      borderColor: '#9aa0a6',
      fill: false,
      borderWidth: 1,
      pointRadius: 0,
      borderDash: [5, 4],
    });
  }
  const plugins: Plugin<'line'>[] = [whiteBackground];
  if (options.baseline !== undefined && options.baselineLabel !== undefined)
    plugins.push(baselineLabel(options.baselineLabel, (values.at(-1) ?? reference) >= reference));
  if (points.length === 0) plugins.push(noData);
  const chart = new charts.Chart(canvas.getContext('2d') as unknown as ChartItem, {
    type: 'line',
    data: { datasets },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: NLV_CHART.pixelRatio,
      layout: { padding: { top: 4, right: 22, bottom: 4, left: 4 } },
      plugins: {
        legend: { display: false },
        title: { display: true, text: title, color: INK, align: 'start', font: { family: FONT, size: NLV_CHART.fontPx + 1, weight: 600 } },
      },
      scales: {
        x: {
          type: 'linear',
          display: points.length > 0,
          min: axis.min,
          max: axis.max,
          grid: { display: false },
          title: axisTitle(axis.title),
          afterBuildTicks: (scale: Scale) => {
            scale.ticks = axis.ticks.map((value) => ({ value }));
          },
          ticks: { color: INK, font, maxRotation: 0, autoSkip: true, autoSkipPadding: 12, callback: (v) => axis.label(Number(v)) },
        },
        y: {
          display: points.length > 0,
          grace: '8%',
          grid: { color: GRID },
          border: { display: false },
          title: axisTitle(options.currency === undefined ? 'NLV' : `NLV (${options.currency})`),
          ticks: { color: INK, font, maxTicksLimit: 4, callback: (v) => formatWhole(Number(v)) },
        },
      },
    },
    plugins,
  });
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}

const noData: Plugin<'line'> = {
  id: 'noData',
  afterDraw(chart) {
    const ctx = contextOf(chart);
    const { chartArea } = chart;
    ctx.save();
    ctx.font = `${NLV_CHART.fontPx}px ${FONT}`;
    ctx.fillStyle = '#5f6368';
    ctx.textAlign = 'center';
    ctx.fillText('no data yet', (chartArea.left + chartArea.right) / 2, (chartArea.top + chartArea.bottom) / 2);
    ctx.restore();
  },
};
