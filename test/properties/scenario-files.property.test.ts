/**
 * Bad input in simulator scenario files: a valid scenario with one to three random mistakes (wrong types,
 * out-of-range numbers, bad tickers, unknown fields, at any depth, gateway section included), a document that
 * is not an object, or text that is not JSON, is refused with a ConfigError naming the file and every field at
 * fault. Through the built command, `rebalancer gateway --scenario bad.json` and `SIM_SCENARIO=bad.json
 * rebalancer run` exit 2 with that message, no stack trace, and no simulator state.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/sim/scenario.js';
import { ConfigError } from '../../src/errors.js';
import { makeWorkspace, runCli } from '../support/cli.js';
import { expectNoStackTrace, SEED, STACK_LINE, transcriptOf } from './support/checks.js';

const IN_SESSION = '2026-11-23T15:35:00Z';
const FILE = '/scenarios/bad.json';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Doc = { [key: string]: Json };

/** A scenario using every section, so that a mistake can be put anywhere. */
function validScenario(): Doc {
  return {
    account: 'DU0000001',
    currency: 'USD',
    cash: 100000,
    positions: { AAPL: { quantity: 100, avgCost: 150 }, MSFT: { quantity: -5, avgCost: 400 } },
    quotes: { AAPL: { bid: 189.98, ask: 190.02, last: 190, close: 188.5 }, MSFT: { last: 410 }, SPY: { bid: 500, ask: 500.1 } },
    contracts: { AAPL: { minTick: 0.01, primaryExchange: 'NASDAQ', currency: 'USD' }, SPY: { primaryExchange: 'ARCA' } },
    seed: 42,
    fills: { partialFillProbability: 0.3, maxStepValue: 250000 },
    rejectSymbols: ['XYZ'],
    gateway: {
      faults: { rejectOrders: { AAPL: { code: 201 } }, answerDelayMs: 0, pacingLimitPerSecond: 50 },
      foreignOrders: [{ symbol: 'AAPL', action: 'BUY', quantity: 10, limitPrice: 150 }],
    },
  };
}

/** One mistake: where it is (as the message must name it) and how to make it. */
interface Mistake {
  field: string;
  apply: (doc: Doc) => void;
}

const obj = (doc: Doc, ...path: string[]): Doc => {
  let at: Json = doc;
  for (const key of path) at = (at as Doc)[key] ?? null;
  return at as Doc;
};
const setAt =
  (path: string[], value: Json) =>
  (doc: Doc): void => {
    const key = path.at(-1) ?? '';
    obj(doc, ...path.slice(0, -1))[key] = value;
  };
const notObjects: Json[] = [null, true, 7, 'x', []];
const notNumbers: Json[] = ['100', null, true, [], {}, 'NaN'];
const unknownKey = fc.stringMatching(/^[a-z][A-Za-z]{0,12}$/);

/** Mistakes by place; each generator makes one, with the field the message must name. */
const mistakes: Record<string, fc.Arbitrary<Mistake>> = {
  unknownTop: unknownKey
    .filter((k) => !Object.keys(validScenario()).includes(k) && !['constructor', 'toString', 'valueOf', 'hasOwnProperty'].includes(k))
    .map((k) => ({ field: k, apply: setAt([k], 1) })),
  account: fc
    .constantFrom<Json>(123, '', 'du0000001', 'DU-1', 'DU', null, true, 'ABCD1')
    .map((v) => ({ field: 'account', apply: setAt(['account'], v) })),
  currency: fc.constantFrom<Json>('usd', 'US', 'EURO', 5, null).map((v) => ({ field: 'currency', apply: setAt(['currency'], v) })),
  cash: fc.constantFrom(...notNumbers).map((v) => ({ field: 'cash', apply: setAt(['cash'], v) })),
  positions: fc.constantFrom(...notObjects).map((v) => ({ field: 'positions', apply: setAt(['positions'], v) })),
  quantity: fc
    .constantFrom<Json>(0, 1.5, -0.5, '100', null)
    .map((v) => ({ field: 'positions.AAPL.quantity', apply: setAt(['positions', 'AAPL', 'quantity'], v) })),
  avgCost: fc
    .constantFrom<Json>(0, -150, '150', null)
    .map((v) => ({ field: 'positions.MSFT.avgCost', apply: setAt(['positions', 'MSFT', 'avgCost'], v) })),
  ticker: fc
    .constantFrom('aapl', 'BRK_B', '$SPY', 'ABCDEFGHIJKLMNOP', 'Ä')
    .map((k) => ({ field: `positions.${k}`, apply: setAt(['positions', k], { quantity: 1, avgCost: 1 }) })),
  bidAboveAsk: fc
    .double({ min: 190.03, max: 1e6, noNaN: true })
    .map((bid) => ({ field: 'quotes.AAPL.bid', apply: setAt(['quotes', 'AAPL', 'bid'], bid) })),
  last: fc.constantFrom(...notNumbers, 0, -5).map((v) => ({ field: 'quotes.MSFT.last', apply: setAt(['quotes', 'MSFT', 'last'], v) })),
  quoteField: unknownKey
    .filter((k) => !['bid', 'ask', 'last', 'close'].includes(k))
    .map((k) => ({ field: `quotes.SPY.${k}`, apply: setAt(['quotes', 'SPY', k], 1) })),
  minTick: fc
    .constantFrom<Json>(0, -0.01, '0.01', null)
    .map((v) => ({ field: 'contracts.AAPL.minTick', apply: setAt(['contracts', 'AAPL', 'minTick'], v) })),
  contractCurrency: fc
    .constantFrom<Json>('usd', 'DOLLAR', 1)
    .map((v) => ({ field: 'contracts.SPY.currency', apply: setAt(['contracts', 'SPY', 'currency'], v) })),
  seed: fc.constantFrom<Json>(1.5, '42', null, -0.25).map((v) => ({ field: 'seed', apply: setAt(['seed'], v) })),
  probability: fc
    .oneof(
      fc.double({ min: 1, max: 100, minExcluded: true, noNaN: true }),
      fc.double({ min: -100, max: 0, maxExcluded: true, noNaN: true }).filter((n) => n < 0),
      fc.constant<Json>('0.5'),
    )
    .map((v) => ({ field: 'fills.partialFillProbability', apply: setAt(['fills', 'partialFillProbability'], v) })),
  maxStepValue: fc
    .constantFrom<Json>(0, -1, '5000')
    .map((v) => ({ field: 'fills.maxStepValue', apply: setAt(['fills', 'maxStepValue'], v) })),
  fillsField: unknownKey
    .filter((k) => !['partialFillProbability', 'maxStepValue'].includes(k))
    .map((k) => ({ field: `fills.${k}`, apply: setAt(['fills', k], 0) })),
  rejectSymbol: fc.constantFrom('xyz', '', '?').map((k) => ({ field: 'rejectSymbols.0', apply: setAt(['rejectSymbols'], [k]) })),
  rejectSymbols: fc
    .constantFrom<Json>('XYZ', 5, { XYZ: true })
    .map((v) => ({ field: 'rejectSymbols', apply: setAt(['rejectSymbols'], v) })),
  answerDelay: fc
    .constantFrom<Json>(-1, 1.5, 600001, '0')
    .map((v) => ({ field: 'gateway.faults.answerDelayMs', apply: setAt(['gateway', 'faults', 'answerDelayMs'], v) })),
  rejectCode: fc.constantFrom<Json>(200, 0, '201', null).map((v) => ({
    field: 'gateway.faults.rejectOrders.AAPL.code',
    apply: setAt(['gateway', 'faults', 'rejectOrders', 'AAPL', 'code'], v),
  })),
  foreignAction: fc
    .constantFrom<Json>('HOLD', 'buy', 1)
    .map((v) => ({ field: 'gateway.foreignOrders.0.action', apply: setAt(['gateway', 'foreignOrders', '0', 'action'], v) })),
  gatewayField: unknownKey
    .filter((k) => !['faults', 'foreignOrders'].includes(k))
    .map((k) => ({ field: `gateway.${k}`, apply: setAt(['gateway', k], {}) })),
};

/** Mistakes that cannot go together: the first replaces what the others change inside. */
const CLASHES: [string, string][] = [
  ['positions', 'quantity'],
  ['positions', 'avgCost'],
  ['positions', 'ticker'],
  ['rejectSymbol', 'rejectSymbols'],
];

/** One to three mistakes in different places, and the scenario's text with them. */
const mistaken = fc
  .uniqueArray(fc.constantFrom(...Object.keys(mistakes)), { minLength: 1, maxLength: 3 })
  .filter((keys) => !CLASHES.some(([a, b]) => keys.includes(a) && keys.includes(b)))
  .chain((keys) => fc.tuple(...keys.map((k) => mistakes[k] ?? fc.constant<Mistake>({ field: '', apply: () => undefined }))))
  .map((chosen) => {
    const doc = validScenario();
    for (const m of chosen) m.apply(doc);
    return { text: JSON.stringify(doc, null, 2), fields: chosen.map((m) => m.field) };
  });

/** A document that is not an object at all: the message names the root. */
const notAnObject = fc
  .constantFrom('[]', 'null', '5', '"scenario"', 'true', '[{"account":"DU1"}]')
  .map((text) => ({ text, fields: ['(root)'] }));

/** Text that is not JSON: truncated, with NaN or 1e400-style literals, comments, a BOM-less UTF-16 file. */
const notJson = fc
  .oneof(
    fc.nat().map((cut) => {
      const text = JSON.stringify(validScenario());
      return text.slice(0, 1 + (cut % (text.length - 1)));
    }),
    fc.constantFrom(
      '{"cash": NaN}',
      '{"cash": Infinity}',
      "{'cash': 1}",
      '{"cash": 1,}',
      '// comment\n{}',
      '',
      '\u0000\u0001',
      '{"cash": 0x10}',
    ),
    fc.string({ maxLength: 40 }).filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    }),
  )
  .map((text) => ({ text, fields: [] as string[] }));

/** Numbers JSON can carry but a double cannot: `1e400` parses to Infinity, which must still be refused. */
const infinite = fc
  .constantFrom('1e400', '-1e400')
  .map((n) => ({ text: JSON.stringify(validScenario()).replace('"cash":100000', `"cash":${n}`), fields: ['cash'] }));

const anyBadScenario = fc.oneof(
  { arbitrary: mistaken, weight: 6 },
  { arbitrary: notAnObject, weight: 1 },
  { arbitrary: notJson, weight: 1 },
  { arbitrary: infinite, weight: 1 },
);

function refusal(text: string): ConfigError {
  try {
    parseScenario(text, FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted:\n${text}`);
}

describe('a scenario file with mistakes', () => {
  it("the unmistaken scenario is accepted, so every refusal below is the mistake's doing", () => {
    expect(() => parseScenario(JSON.stringify(validScenario()), FILE)).not.toThrow();
  });

  it('is refused with a ConfigError naming the file and every field at fault', () => {
    fc.assert(
      fc.property(anyBadScenario, ({ text, fields }) => {
        const error = refusal(text);
        expect(error.variable).toBe('SIM_SCENARIO');
        expect(error.message.startsWith(`${FILE}: `), error.message).toBe(true);
        if (fields.length === 0) expect(error.message).toMatch(/: not valid JSON: /);
        for (const field of fields) expect(error.message, `${text}\n=> ${error.message}`).toContain(`${field}: `);
        expect(error.message).not.toMatch(STACK_LINE);
      }),
      { numRuns: 1000, seed: SEED },
    );
  });
});

describe('the built command, given a scenario file with mistakes', () => {
  const roots: string[] = [];
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it('gateway --scenario and SIM_SCENARIO with run both exit 2 naming the file and the field, with no stack trace and no simulated account', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ arbitrary: mistaken, weight: 4 }, { arbitrary: notAnObject, weight: 1 }, { arbitrary: notJson, weight: 1 }),
        async ({ text, fields }) => {
          const ws = makeWorkspace('rebalancer-scenario-cli-');
          roots.push(ws.root);
          const file = join(ws.root, 'bad.json');
          writeFileSync(file, text);
          const env = { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs };

          const gateway = await runCli(['gateway', '--port', '0', '--scenario', 'bad.json', '--now', IN_SESSION], {
            cwd: ws.root,
            env,
            timeoutMs: 10_000,
          });
          const run = await runCli(['run', '--now', IN_SESSION], { cwd: ws.root, env: { ...env, SIM_SCENARIO: 'bad.json' } });
          for (const r of [gateway, run]) {
            expect(r.code, transcriptOf(r)).toBe(2);
            expectNoStackTrace(r);
            expect(r.stderr, transcriptOf(r)).toContain(`configuration error: ${file}: `);
            for (const field of fields) expect(r.stderr, transcriptOf(r)).toContain(`${field}: `);
            expect(r.stdout, transcriptOf(r)).not.toMatch(/gateway listening/);
          }
          // Refused before anything was locked, opened or seeded.
          expect(existsSync(join(ws.data, 'sim')) || existsSync(join(ws.data, 'gateway'))).toBe(false);
          expect(existsSync(ws.data) ? readdirSync(ws.data) : []).toEqual([]);
        },
      ),
      { numRuns: 8, seed: SEED },
    );
  }, 60_000);
});
