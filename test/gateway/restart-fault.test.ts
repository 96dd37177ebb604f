/**
 * The scenario's `restart` fault (IB Gateway's daily restart, rehearsed mid-run): its schema. What it does over
 * TCP is in test/ib/tcp-gateway-restart.test.ts and test/faults/gateway-restart.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gatewaySectionSchema } from '../../src/sim/scenario-gateway.js';

const section = gatewaySectionSchema(z.string());

describe('the restart fault', () => {
  it('is off by default, and takes afterMessages or afterOrders with awayMs', () => {
    expect(section.parse({}).faults.restart).toBeNull();
    expect(section.parse({ faults: { restart: { afterOrders: 2, awayMs: 3000 } } }).faults.restart).toEqual({
      afterOrders: 2,
      awayMs: 3000,
    });
    expect(section.parse({ faults: { restart: { afterMessages: 9, awayMs: 0 } } }).faults.restart).toEqual({ afterMessages: 9, awayMs: 0 });
  });

  it('refuses both triggers, neither, a missing or too long absence, and unknown fields', () => {
    for (const restart of [
      { afterOrders: 1, afterMessages: 1, awayMs: 10 },
      { awayMs: 10 },
      { afterOrders: 1 },
      { afterOrders: 1, awayMs: 600_001 },
      { afterOrders: 0, awayMs: 10 },
      { afterOrders: 1, awayMs: 10, loginAgain: true },
    ]) {
      expect(section.safeParse({ faults: { restart } }).success, JSON.stringify(restart)).toBe(false);
    }
  });
});
