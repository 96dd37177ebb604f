import type { BreakerCheck, BreakerContext } from '../../src/core/breakers.js';
/** Assertions shared by the breaker tests: what tripped, on which symbol, and which numbers it names. */
import { expect } from 'vitest';
import type { Breach, BreachCode } from '../../src/core/types.js';

/** What one breach should look like: its code, its symbol (absent for run-level ones), numbers in its detail. */
export interface ExpectedBreach {
  code: BreachCode;
  symbol?: string;
  contains: string[];
}

/** Asserts the breaches are exactly the expected ones, in order. */
export function expectBreaches(actual: Breach[], expected: ExpectedBreach[]): void {
  expect(actual.map((b) => b.code)).toEqual(expected.map((e) => e.code));
  expected.forEach((e, i) => {
    const b = actual[i];
    expect(b?.symbol).toBe(e.symbol);
    for (const part of e.contains) expect(b?.detail).toContain(part);
  });
}

/** One row of a breaker table: a check, its context, and the breaches it must find. */
export interface BreakerRow {
  name: string;
  check: BreakerCheck;
  ctx: BreakerContext;
  expected: ExpectedBreach[];
}
