/**
 * A stand-in for your own strategy: writes `forecasts/example.json` from the example in
 * `examples/example-forecast.json`, with the same weights and a fresh `asOf`, the way a strategy must write its
 * file: to a temporary name in the same directory, flushed, then renamed over the old one, so the rebalancer
 * never reads a half-written file. `npm start` runs it before the first run so the example is never stale; the
 * tracked example is never rewritten.
 *
 * Usage: node dist/examples/write-example-forecast.js [forecast-file] [--now ISO]
 */
import { openSync, writeSync, fsyncSync, closeSync, renameSync, readFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const nowIndex = args.indexOf('--now');
const now = nowIndex >= 0 ? args[nowIndex + 1] : (process.env.REBALANCER_NOW ?? new Date().toISOString());
const file = resolve(args.find((a, i) => !a.startsWith('--') && i !== nowIndex + 1) ?? 'forecasts/example.json');
// The example beside this script's sources: dist/examples/ -> examples/ of the installation.
const template = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/example-forecast.json');

const forecast = JSON.parse(readFileSync(template, 'utf8')) as Record<string, unknown>;
forecast.asOf = new Date(now ?? Date.now()).toISOString();

mkdirSync(dirname(file), { recursive: true });
const tmp = `${file}.tmp`;
const fd = openSync(tmp, 'w');
writeSync(fd, JSON.stringify(forecast, null, 2) + '\n');
fsyncSync(fd);
closeSync(fd);
renameSync(tmp, file);
console.log(`example strategy: wrote ${file} (asOf ${String(forecast.asOf)})`);
