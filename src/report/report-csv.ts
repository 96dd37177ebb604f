/**
 * The daily summary's full tables as CSV files, attached to the email: the body shows the rows that matter most
 * (report-view.ts, BODY_LIMITS) and these carry every row, as numbers a spreadsheet can sum. Pure.
 *
 * A cell a person opens in a spreadsheet must not run as a formula: a text cell that starts with = + - @ (or a tab
 * or carriage return) is prefixed with a single quote, and every text cell is quoted (OWASP, CSV injection).
 * Numbers are written as numbers (a negative drift stays a number).
 *
 * Money in the account's currency, except where a column says otherwise: prices, `avg_cost` and a fill's
 * `commission` are the contract's, in its `currency` (prices in 1/`price_magnifier` of it: pence); `fx_rate` (empty:
 * the account's currency) turns them into the account's: `value` and `commission_in_base` are, and so are
 * `market_value`, `cost_basis`, `unrealized` and `slippage`.
 *
 * Currency conversions (FX_POLICY=convert) are kept out of the body's tables and totals, not out of the files:
 * orders.csv and fills.csv hold every order and fill of the day, a conversion's with `sec_type` CASH (empty: a
 * stock), its `symbol` the pair (`USD.SGD`), its quantity in the pair's first currency and its prices and commission
 * in its second (`currency`).
 */
import { stringify } from 'csv-stringify/sync';
import type { FileAttachment } from '../ports/mailer.js';
import { fillCommission, fillValue, type DailyReportData, type ReportFillLine } from './daily-report-data.js';
import { KIND_CONTENT } from './report-view.js';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/** The file names the body's "and N more" lines refer to. */
export const CSV_FILES = {
  positions: 'positions.csv',
  orders: 'orders.csv',
  fills: 'fills.csv',
  breaches: 'breaches.csv',
} as const;

type Cell = string | number | null | undefined;

/** A text cell a spreadsheet would read as a formula gets a leading single quote. */
export function spreadsheetSafe(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function csvOf(header: string[], rows: Cell[][]): Buffer {
  const text = stringify([header, ...rows.map((r) => r.map((c) => (typeof c === 'string' ? spreadsheetSafe(c) : c)))], {
    quoted_string: true,
    record_delimiter: 'windows',
    cast: { number: (n) => String(n) },
  });
  return Buffer.from(text, 'utf8');
}

const file = (filename: string, content: Buffer): FileAttachment => ({ filename, content, contentType: CSV_CONTENT_TYPE });

function fillRow(f: ReportFillLine): Cell[] {
  return [
    f.time,
    f.orderRef,
    f.symbol,
    f.side,
    f.quantity,
    f.price,
    f.commission ?? '',
    f.referencePrice ?? '',
    f.slippage?.cost ?? '',
    f.slippage?.bps ?? '',
    f.currency ?? '',
    f.fxRate ?? '',
    f.priceMagnifier ?? '',
    fillValue(f),
    fillCommission(f) ?? '',
    f.secType ?? '',
  ];
}

/** Stocks and conversions together, in the order of `at` (a stable sort: equal instants keep the stocks first). */
function together<T>(stocks: readonly T[], conversions: readonly T[] | undefined, at: (x: T) => string): T[] {
  if (conversions === undefined || conversions.length === 0) return [...stocks];
  return [...stocks, ...conversions].sort((a, b) => Date.parse(at(a)) - Date.parse(at(b)));
}

/**
 * positions.csv (the kinds that show positions), orders.csv, fills.csv and breaches.csv, each with every row of the
 * day as the records hold it; a table with no rows is not attached.
 */
export function reportCsvFiles(d: DailyReportData): FileAttachment[] {
  const files: FileAttachment[] = [];
  if (KIND_CONTENT[d.kind].positions && d.positions.length > 0)
    files.push(
      file(
        CSV_FILES.positions,
        csvOf(
          [
            'symbol',
            'quantity',
            'market_price',
            'market_value',
            'avg_cost',
            'fx_rate',
            'cost_basis',
            'unrealized',
            'weight',
            'target_weight',
            'drift',
          ],
          d.positions.map((p) => [
            p.symbol,
            p.quantity,
            p.marketPrice,
            p.marketValue,
            p.avgCost,
            p.fxRate ?? '',
            p.costBasis,
            p.unrealized,
            p.weight,
            p.targetWeight,
            p.drift,
          ]),
        ),
      ),
    );
  const orders = together(d.orders, d.conversions?.orders, (o) => o.createdAt);
  const fills = together(d.fills, d.conversions?.fills, (f) => f.time);
  if (orders.length > 0)
    files.push(
      file(
        CSV_FILES.orders,
        csvOf(
          [
            'created_at',
            'order_ref',
            'symbol',
            'action',
            'quantity',
            'limit_price',
            'reference_price',
            'status',
            'filled_quantity',
            'avg_fill_price',
            'fills',
            'modified',
            'broker_order_id',
            'perm_id',
            'message',
            'currency',
            'fx_rate',
            'price_magnifier',
            'sec_type',
          ],
          orders.map((o) => [
            o.createdAt,
            o.orderRef,
            o.symbol,
            o.action,
            o.quantity,
            o.limitPrice,
            o.referencePrice ?? '',
            o.status,
            o.filledQuantity,
            o.avgFillPrice,
            o.fills.length,
            o.modified ?? 0,
            o.brokerOrderId ?? '',
            o.permId ?? '',
            o.message ?? '',
            o.currency ?? '',
            o.fxRate ?? '',
            o.priceMagnifier ?? '',
            o.secType ?? '',
          ]),
        ),
      ),
    );
  if (fills.length > 0)
    files.push(
      file(
        CSV_FILES.fills,
        csvOf(
          [
            'time',
            'order_ref',
            'symbol',
            'side',
            'quantity',
            'price',
            'commission',
            'reference_price',
            'slippage',
            'slippage_bps',
            'currency',
            'fx_rate',
            'price_magnifier',
            'value',
            'commission_in_base',
            'sec_type',
          ],
          fills.map(fillRow),
        ),
      ),
    );
  if (d.breaches.length > 0)
    files.push(
      file(
        CSV_FILES.breaches,
        csvOf(
          ['at', 'code', 'symbol', 'detail'],
          d.breaches.map((b) => [b.at, b.code, b.symbol ?? '', b.detail]),
        ),
      ),
    );
  return files;
}
