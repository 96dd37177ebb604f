import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The built command, as cron runs it: the bundle package.json's bin names. `npm test` builds before testing. */
export const CLI = resolve(import.meta.dirname, '../../dist/cli/rebalancer.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built `rebalancer` as a child process in `cwd` with only the given environment (plus PATH). */
export function runCli(args: string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', TZ: process.env.TZ ?? 'UTC', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rebalancer ${args.join(' ')} did not finish in time\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A fresh project directory: forecasts/, data/ and logs/ under a new temp dir. */
export function makeWorkspace(prefix = 'rebalancer-e2e-'): { root: string; forecasts: string; data: string; logs: string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const ws = { root, forecasts: join(root, 'forecasts'), data: join(root, 'data'), logs: join(root, 'logs') };
  mkdirSync(ws.forecasts);
  return ws;
}

/** Write a forecast file the way a strategy should: to a temporary name, then renamed. */
export function writeForecast(dir: string, name: string, forecast: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(`${file}.tmp`, JSON.stringify(forecast, null, 2));
  renameSync(`${file}.tmp`, file);
  return file;
}
