/**
 * NLV series with the cash flows taken out, for the charts: a deposit is not a gain and a withdrawal is not a
 * loss, so the lines must not jump with them. Pure.
 */
import type { NlvPoint } from './nlv-chart.js';

/** A point of NLV and the money that moved in (+) or out (-) since the previous point (reflected in this one). */
export interface FlowPoint extends NlvPoint {
  /** Absent: none. */
  flow?: number;
}

/**
 * The day's line: each point plus the flows that came after it, so the line ends at the last NLV and moves only
 * by gains and losses; `baseline` (the previous close) moves by all of the day's flows, so that the last point
 * minus the baseline is the day's P&L.
 */
export function shiftedByLaterFlows(points: readonly FlowPoint[], baseline?: number): { points: NlvPoint[]; baseline?: number } {
  let later = 0;
  const shifted: NlvPoint[] = [];
  for (let i = points.length - 1; i >= 0; i -= 1) {
    const p = points[i];
    if (p === undefined) continue;
    shifted.unshift({ t: p.t, nlv: p.nlv + later });
    later += p.flow ?? 0;
  }
  return { points: shifted, ...(baseline === undefined ? {} : { baseline: baseline + later }) };
}

/**
 * The returns between points, flows taken out: r_i = (NLV_i - flow_i) / NLV_{i-1} - 1 (0 where the previous NLV
 * is not positive: no return can be measured against it).
 */
export function periodReturns(points: readonly FlowPoint[]): number[] {
  const returns: number[] = [];
  for (let i = 1; i < points.length; i += 1) {
    const was = points[i - 1];
    const is = points[i];
    if (was === undefined || is === undefined) continue;
    returns.push(was.nlv > 0 ? (is.nlv - (is.flow ?? 0)) / was.nlv - 1 : 0);
  }
  return returns;
}

/** The time-weighted return over the series: the product of (1 + r_i), less 1. */
export function timeWeightedReturn(points: readonly FlowPoint[]): number {
  return periodReturns(points).reduce((growth, r) => growth * (1 + r), 1) - 1;
}

/**
 * Over days: the time-weighted return index, scaled so that the last point is the last NLV: each earlier point is
 * what the account of today's size would have been worth then, by the strategy's returns alone.
 */
export function timeWeighted(points: readonly FlowPoint[]): NlvPoint[] {
  const last = points.at(-1);
  if (last === undefined) return [];
  const index = [1];
  for (const r of periodReturns(points)) index.push((index.at(-1) ?? 1) * (1 + r));
  const end = index.at(-1) ?? 1;
  return points.map((p, i) => ({ t: p.t, nlv: end === 0 ? p.nlv : (last.nlv * (index[i] ?? 1)) / end }));
}
