/**
 * The NLV charts of the daily report, drawn on the server as PNG: Chart.js on @napi-rs/canvas (Skia,
 * shipped prebuilt inside the npm package, so `npm ci` is the whole install). Mail clients block remote
 * images and strip SVG, so a PNG attached inline is the one form every client shows.
 */
import { createRequire } from 'node:module';
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { Chart, ChartDataset, ChartItem, Plugin } from 'chart.js';
import { formatClock, formatShortDate, formatWhole } from './format.js';

/** One point: `t` is an ISO instant (intraday) or a yyyy-MM-dd trading day (one close per day). */
export interface NlvPoint {
  t: string;
  nlv: number;
}

export interface NlvChartOptions {
  /** A reference level drawn as a dashed line, e.g. the previous close. */
  baseline?: number;
  baselineLabel?: string;
  /** CSS pixels; the PNG has twice as many so that it stays sharp on phone screens. */
  width?: number;
  height?: number;
}

const FONT = 'RebalancerInter';
const UP = '#188038';
const DOWN = '#d93025';
const GRID = '#e8eaed';
const INK = '#3c4043';

type Libraries = { canvas: typeof import('@napi-rs/canvas'); chart: typeof import('chart.js') };
let libraries: Promise<Libraries> | undefined;

/**
 * Skia and Chart.js are loaded on the first chart, not with the module: most hourly runs send no daily email,
 * and the two cost tens of megabytes of memory in every process that loads them.
 */
function loadLibraries(): Promise<Libraries> {
  libraries ??= (async () => {
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
const labelOf = (t: string): string => (DAY.test(t) ? formatShortDate(t) : formatClock(t));

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
 * The baseline's label sits at the right end, on the side of the dashed line away from the last point:
 * the NLV line ends there, so the two never cross.
 */
function baselineLabel(text: string, endsAbove: boolean): Plugin<'line'> {
  return {
    id: 'baselineLabel',
    afterDatasetsDraw(chart) {
      const first = chart.getDatasetMeta(1).data[0];
      if (first === undefined) return;
      const ctx = contextOf(chart);
      const { chartArea } = chart;
      const y = Math.min(chartArea.bottom - 4, Math.max(chartArea.top + 16, endsAbove ? first.y + 19 : first.y - 7));
      ctx.save();
      ctx.font = `15px ${FONT}`;
      ctx.textAlign = 'right';
      ctx.fillStyle = '#5f6368';
      ctx.fillText(text, chartArea.right - 4, y);
      ctx.restore();
    },
  };
}

/**
 * Renders a line chart of NLV over time as a PNG (600x220 CSS pixels at 2x by default). The line is green
 * when the last point is at or above the baseline (else the first point), red otherwise. With no points it
 * draws the title and "no data yet", so a report never lacks its image.
 */
export async function renderNlvChart(points: NlvPoint[], title: string, options: NlvChartOptions = {}): Promise<Buffer> {
  const { canvas: skia, chart: charts } = await loadLibraries();
  const width = options.width ?? 600;
  const height = options.height ?? 220;
  const canvas = skia.createCanvas(width, height);
  const values = points.map((p) => p.nlv);
  const reference = options.baseline ?? values[0] ?? 0;
  const colour = (values.at(-1) ?? reference) >= reference ? UP : DOWN;
  // Sized for a phone: the 600px image shows about 340px wide there, so these 17px labels read as 10px ones.
  const font = { family: FONT, size: 17 };
  const datasets: ChartDataset<'line', number[]>[] = [
    {
      data: values,
      borderColor: colour,
      backgroundColor: `${colour}1f`,
      fill: 'start',
      borderWidth: 2,
      cubicInterpolationMode: 'monotone',
      pointRadius: points.length <= 40 ? 2.5 : 0,
      pointBackgroundColor: colour,
    },
  ];
  if (options.baseline !== undefined && points.length > 0) {
    datasets.push({
      data: values.map(() => reference),
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
    data: { labels: points.map((p) => labelOf(p.t)), datasets },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 2,
      layout: { padding: { top: 4, right: 22, bottom: 4, left: 4 } },
      plugins: {
        legend: { display: false },
        title: { display: true, text: title, color: INK, align: 'start', font: { family: FONT, size: 19, weight: 600 } },
      },
      scales: {
        x: { grid: { display: false }, ticks: { color: INK, font, maxRotation: 0, autoSkip: true, autoSkipPadding: 16 } },
        y: {
          display: points.length > 0,
          grace: '8%',
          grid: { color: GRID },
          border: { display: false },
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
    ctx.font = `17px ${FONT}`;
    ctx.fillStyle = '#5f6368';
    ctx.textAlign = 'center';
    ctx.fillText('no data yet', (chartArea.left + chartArea.right) / 2, (chartArea.top + chartArea.bottom) / 2);
    ctx.restore();
  },
};
