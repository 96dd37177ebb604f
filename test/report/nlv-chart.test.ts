import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderNlvChart } from '../../src/report/nlv-chart.js';
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
  it('draws a PNG of 600x220 CSS pixels at twice the resolution', async () => {
    const png = await renderNlvChart(day, 'NLV today (ET)', { baseline: 100_004, baselineLabel: 'previous close 100,004.00' });
    expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    expect(pngSize(png)).toEqual({ width: 1200, height: 440 });
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
      expect(pngSize(png)).toEqual({ width: 1200, height: 440 });
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
