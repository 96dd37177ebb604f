import { describe, expect, it } from 'vitest';
import { BROKER_ORDER_STATUSES, isFinal } from '../../src/core/order-status.js';
import {
  isAcknowledgedStatus,
  isCancelledStatus,
  isFinalStatus,
  sideOfAction,
  sideOfExecution,
  toOrderStatus,
} from '../../src/adapters/ib/ib-order-status.js';

describe('toOrderStatus', () => {
  it.each([
    ['ApiPending', 'PendingSubmit'],
    ['PendingSubmit', 'PendingSubmit'],
    ['PreSubmitted', 'PreSubmitted'],
    ['Submitted', 'Submitted'],
    ['PendingCancel', 'Submitted'],
    ['Filled', 'Filled'],
    ['Cancelled', 'Cancelled'],
    ['ApiCancelled', 'ApiCancelled'],
    ['Inactive', 'Inactive'],
  ])('maps IB %s to %s', (ib, ours) => {
    expect(toOrderStatus(ib)).toBe(ours);
  });

  it("maps every status of the core's vocabulary to itself", () => {
    for (const status of BROKER_ORDER_STATUSES) expect(toOrderStatus(status)).toBe(status);
  });

  it('maps unknown names and undefined to undefined', () => {
    expect(toOrderStatus('Unknown')).toBeUndefined();
    expect(toOrderStatus('submitted')).toBeUndefined();
    expect(toOrderStatus(undefined)).toBeUndefined();
  });
});

describe('status predicates', () => {
  it('knows which states are final, which confirm a cancel and which acknowledge an order', () => {
    expect(['Filled', 'Cancelled', 'ApiCancelled', 'Inactive', 'Rejected'].every((s) => isFinalStatus(s as never))).toBe(true);
    expect(['PendingSubmit', 'PreSubmitted', 'Submitted'].some((s) => isFinalStatus(s as never))).toBe(false);
    for (const status of BROKER_ORDER_STATUSES) expect(isFinalStatus(status)).toBe(isFinal(status));
    expect(isCancelledStatus('Cancelled') && isCancelledStatus('ApiCancelled')).toBe(true);
    expect(isCancelledStatus('Filled')).toBe(false);
    expect(['PreSubmitted', 'Submitted', 'Filled'].every((s) => isAcknowledgedStatus(s as never))).toBe(true);
    expect(['PendingSubmit', 'Inactive', 'Cancelled'].some((s) => isAcknowledgedStatus(s as never))).toBe(false);
  });
});

describe('sides', () => {
  it('reads order actions and execution sides', () => {
    expect([sideOfAction('BUY'), sideOfAction('SELL'), sideOfAction('SSHORT'), sideOfAction('SLONG'), sideOfAction('X')]).toEqual([
      'BUY',
      'SELL',
      'SELL',
      'BUY',
      undefined,
    ]);
    expect([sideOfExecution('BOT'), sideOfExecution('SLD'), sideOfExecution('BUY')]).toEqual(['BUY', 'SELL', undefined]);
  });
});
