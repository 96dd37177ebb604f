/**
 * Reading a chart PNG back as pixels, to test what a reader sees rather than the options that drew it: where the
 * NLV line is in each column, and how tall the x-axis labels' glyphs are.
 */
import { createCanvas, loadImage } from '@napi-rs/canvas';

export interface Pixels {
  width: number;
  height: number;
  /** RGBA, row by row. */
  data: Uint8ClampedArray;
}

export async function pixelsOf(png: Buffer): Promise<Pixels> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return { width: image.width, height: image.height, data: ctx.getImageData(0, 0, image.width, image.height).data };
}

function rgbAt(p: Pixels, x: number, y: number): [number, number, number] {
  const i = (y * p.width + x) * 4;
  return [p.data[i] ?? 255, p.data[i + 1] ?? 255, p.data[i + 2] ?? 255];
}

/** A pixel of the green NLV line or its markers (#188038, antialiased against white or the pale fill). */
export function isLine(p: Pixels, x: number, y: number): boolean {
  const [r, g, b] = rgbAt(p, x, y);
  return g - r > 50 && g - b > 30;
}

/** A pixel of the pale fill under the line (the line's green or red at 12% on white; the grid's grey is bluer by 5). */
function isFill(p: Pixels, x: number, y: number): boolean {
  const [r, g, b] = rgbAt(p, x, y);
  const spread = Math.max(r, g, b) - Math.min(r, g, b);
  return Math.min(r, g, b) > 200 && spread >= 8 && spread <= 40 && b < Math.max(r, g);
}

/** A pixel of text: dark and grey (the labels' ink, #3c4043). */
function isInk(p: Pixels, x: number, y: number): boolean {
  const [r, g, b] = rgbAt(p, x, y);
  return r < 150 && Math.abs(r - g) < 25 && Math.abs(g - b) < 25;
}

/** The middle row of the line's pixels in column x, or undefined when the line does not pass there. */
export function lineCentre(p: Pixels, x: number): number | undefined {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < p.height; y++) {
    if (isLine(p, x, y)) {
      sum += y;
      n++;
    }
  }
  return n === 0 ? undefined : sum / n;
}

/** The first and last columns the line (markers included) reaches. */
export function lineExtent(p: Pixels): { left: number; right: number } {
  let left = -1;
  let right = -1;
  for (let x = 0; x < p.width; x++) {
    if (lineCentre(p, x) !== undefined) {
      if (left < 0) left = x;
      right = x;
    }
  }
  if (left < 0) throw new Error('no line in the chart');
  return { left, right };
}

/**
 * The height in PNG pixels of the x-axis tick labels' glyphs: the first band of rows with text below the chart area
 * (the last row of the pale fill), looked for right of the y axis's labels (the left quarter is left out).
 */
export function xLabelGlyphHeight(p: Pixels): number {
  const band = xLabelBand(p);
  return band.end - band.top;
}

/**
 * The x-axis labels as runs of columns with text in their band, apart where at least `gap` blank columns separate
 * them (more than a space between two words of one label): one run per label, fewer when labels run into each other.
 */
export function xLabelRuns(p: Pixels, gap: number): { from: number; to: number }[] {
  const band = xLabelBand(p);
  const runs: { from: number; to: number }[] = [];
  for (let x = 0; x < p.width; x++) {
    let ink = false;
    for (let y = band.top; y < band.end && !ink; y++) ink = isInk(p, x, y);
    if (!ink) continue;
    const last = runs.at(-1);
    if (last !== undefined && x - last.to <= gap) last.to = x;
    else runs.push({ from: x, to: x });
  }
  return runs;
}

function xLabelBand(p: Pixels): { top: number; end: number } {
  const from = Math.floor(p.width / 4);
  let bottom = -1;
  for (let y = 0; y < p.height; y++) {
    for (let x = from; x < p.width; x++) {
      if (isFill(p, x, y)) {
        bottom = y;
        break;
      }
    }
  }
  if (bottom < 0) throw new Error('no fill: cannot find the chart area');
  const inkRow = (y: number): boolean => {
    for (let x = from; x < p.width; x++) if (isInk(p, x, y)) return true;
    return false;
  };
  let top = bottom + 1;
  while (top < p.height && !inkRow(top)) top++;
  if (top >= p.height) throw new Error('no labels below the chart area');
  let end = top;
  while (end < p.height && inkRow(end)) end++;
  return { top, end };
}

/** Inter's cap height (and its digits' height) as a fraction of the font size. */
export const INTER_CAP_HEIGHT = 0.727;

/** The labels' font size in CSS px when a PNG `pngWidth` wide is shown `displayedWidth` CSS px wide. */
export function displayedFontPx(glyphHeight: number, pngWidth: number, displayedWidth: number): number {
  return (glyphHeight / INTER_CAP_HEIGHT) * (displayedWidth / pngWidth);
}
