import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseScenario } from '../../src/sim/scenario.js';

/** The scenario's `events`: one list, each event checked by its `type`; a bad one named by its index and field. */

const parse = (events: unknown) => parseScenario(JSON.stringify({ events }), 'scenario.json');

describe('scenario events', () => {
  it('accepts deposits, withdrawals, interest, fees and dividends; none by default', () => {
    expect(parseScenario('{}', 'scenario.json').events).toEqual([]);
    const events = [
      { type: 'deposit', at: '2026-12-07T15:00:00Z', amount: 15_000 },
      { type: 'withdrawal', at: '2026-12-08T10:00:00-05:00', amount: 8_000, currency: 'USD' },
      { type: 'interest', at: '2026-12-31T22:00:00Z', amount: -1.85 },
      { type: 'fee', at: '2026-12-31T22:00:00Z', amount: 10 },
      { type: 'dividend', symbol: 'AAPL', amountPerShare: 0.26, exDate: '2026-12-08', payDate: '2026-12-11' },
    ];
    expect(parse(events).events).toEqual(events);
  });

  it.each([
    [[{ type: 'deposit', at: '2026-12-07T15:00:00Z', amount: -1 }], 'events.0.amount: expected a finite number > 0'],
    [[{ type: 'deposit', at: '2026-12-07T15:00:00Z' }], 'events.0.amount: expected a finite number > 0'],
    [[{ type: 'deposit', at: '2026-12-07 15:00', amount: 1 }], 'events.0.at: expected an ISO 8601 instant with its offset'],
    [
      [
        { type: 'fee', at: '2026-12-07T15:00:00Z', amount: 1 },
        { type: 'withdrawal', at: '2026-12-07T15:00:00', amount: 1 },
      ],
      'events.1.at: expected an ISO 8601 instant with its offset',
    ],
    [
      [{ type: 'deposit', at: '2026-12-07T15:00:00Z', amount: 1, currency: 'EUR' }],
      'events.0.currency: the simulated account holds only USD',
    ],
    [
      [{ type: 'bonus', at: '2026-12-07T15:00:00Z', amount: 1 }],
      'events.0.type: expected "type" one of: deposit, withdrawal, interest, fee, dividend',
    ],
    [[{ at: '2026-12-07T15:00:00Z', amount: 1 }], 'events.0.type: expected "type" one of: deposit'],
    [[{ type: 'interest', at: '2026-12-07T15:00:00Z', amount: 0 }], 'events.0.amount: expected a finite non-zero number'],
    [
      [{ type: 'dividend', symbol: 'AAPL', amountPerShare: 0.24, exDate: '2026-12-08', payDate: '2026-12-01' }],
      'events.0.payDate: the pay date is before the ex-date',
    ],
    [
      [{ type: 'dividend', symbol: 'AAPL', amountPerShare: 0.24, exDate: '2026-13-08', payDate: '2026-12-20' }],
      'events.0.exDate: expected a date YYYY-MM-DD',
    ],
    [
      [{ type: 'dividend', symbol: 'aapl', amountPerShare: 0.24, exDate: '2026-12-08', payDate: '2026-12-20' }],
      'events.0.symbol: expected an upper-case ticker',
    ],
    [
      [{ type: 'dividend', symbol: 'AAPL', amountPerShare: 0.24, exDate: '2026-12-08', payDate: '2026-12-20', record: 1 }],
      'events.0.record: unknown field',
    ],
    [{ type: 'deposit' }, 'events: '],
  ])('refuses a bad event, naming its index and field (%#)', (events, message) => {
    expect(() => parse(events)).toThrow(ConfigError);
    expect(() => parse(events)).toThrow(`scenario.json: ${message}`);
  });
});
