/**
 * A stand-in for your own strategy: rewrites `forecasts/example.json` with the same weights and a fresh
 * `asOf`, the way a strategy must write its file: to a temporary name in the same directory, flushed,
 * then renamed over the old one, so the rebalancer never reads a half-written file.
 * `npm start` runs it before the first run so the example is never stale.
 *
 * Usage: node dist/examples/write-example-forecast.js [forecast-file] [--now ISO]
 */
import { openSync, writeSync, fsyncSync, closeSync, renameSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const args = process.argv.slice(2);
const nowIndex = args.indexOf('--now');
const now = nowIndex >= 0 ? args[nowIndex + 1] : (process.env.REBALANCER_NOW ?? new Date().toISOString());
const file = resolve(args.find((a, i) => !a.startsWith('--') && i !== nowIndex + 1) ?? 'forecasts/example.json');

const forecast = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
forecast.asOf = new Date(now ?? Date.now()).toISOString();

const tmp = `${file}.tmp`;
const fd = openSync(tmp, 'w');
writeSync(fd, JSON.stringify(forecast, null, 2) + '\n');
fsyncSync(fd);
closeSync(fd);
renameSync(tmp, file);
console.log(`example strategy: wrote ${file} (asOf ${String(forecast.asOf)})`);
