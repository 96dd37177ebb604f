/** Builders for forecast file contents in tests: a valid file, then the one change a case is about. */

export const FILE = 'forecasts/trend.json';

/** A forecast file's fields as a plain object; every case starts from this valid one. */
export function validFields(): Record<string, unknown> {
  return {
    strategy: 'trend',
    asOf: '2026-11-20T21:05:00Z',
    leverage: 1.5,
    capital: 0.5,
    weights: { AAPL: 0.4, MSFT: 0.35, SPY: 0.25 },
    contracts: { SPY: { primaryExchange: 'ARCA' } },
  };
}

/** The valid file with `changes` applied; a value of `undefined` removes the field. */
export function fileWith(changes: Record<string, unknown> = {}): string {
  const fields = { ...validFields(), ...changes };
  for (const [key, value] of Object.entries(fields)) if (value === undefined) delete fields[key];
  return JSON.stringify(fields, null, 2);
}

/** The valid file with the raw text `fragment` in place of the JSON of `field` (for NaN, 1e400, duplicates). */
export function fileWithRaw(field: string, fragment: string): string {
  const marker = '"__RAW__"';
  return fileWith({ [field]: '__RAW__' }).replace(marker, fragment);
}
