/**
 * The README's first commands, as written, in a fresh home right after what `npm start` does (its build aside):
 * the example strategy writes its forecast and a run trades on the simulator at today's time; then the replay
 * block of "Your first run" and the simulated gateway block of "Interactive Brokers" run line by line. Each line is
 * read from README.md, so a README that drifts from the program fails here.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';

const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The lines of the first ```sh block after `marker`, comments and blank lines dropped. */
function shBlockAfter(marker: string): string[] {
  const at = README.indexOf(marker);
  expect(at, `README has "${marker}"`).toBeGreaterThanOrEqual(0);
  const start = README.indexOf('```sh\n', at) + '```sh\n'.length;
  const end = README.indexOf('```', start);
  return README.slice(start, end)
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '');
}

/** A fresh home: the built program and its dependencies, nothing else. */
function freshHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'readme-'));
  symlinkSync(join(ROOT, 'dist'), join(home, 'dist'));
  symlinkSync(join(ROOT, 'node_modules'), join(home, 'node_modules'));
  symlinkSync(join(ROOT, 'examples'), join(home, 'examples'));
  return home;
}

interface Ran {
  code: number | null;
  out: string;
}

/** One README line: leading VAR=value words are its environment, then `node <script> <args...>`. */
function runLine(line: string, cwd: string, env: Record<string, string>, timeoutMs = 60_000): Promise<Ran> {
  const words = line.split(/\s+/);
  const own: Record<string, string> = {};
  while (words[0] !== undefined && /^[A-Z_]+=/.test(words[0])) {
    const [name, ...value] = (words.shift() ?? '').split('=');
    own[name ?? ''] = value.join('=');
  }
  expect(words[0], line).toBe('node');
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, words.slice(1), {
      cwd,
      env: { PATH: process.env.PATH ?? '', TZ: 'UTC', ...env, ...own },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${line} did not finish\n${out}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, out });
    });
  });
}

/** `npm start` without its build: the example strategy, then one run, at the real time. */
async function npmStart(home: string): Promise<void> {
  const script = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const steps = script.scripts.start.split('&&').map((s) => s.trim());
  expect(steps[0]).toMatch(/^npm run build/);
  for (const step of steps.slice(1)) {
    const ran = await runLine(step, home, {});
    expect(ran.code, `${step}\n${ran.out}`).toBe(0);
  }
}

describe("the README's first commands, as written", () => {
  it('npm start, then the replay of "Your first run": orders, then fills, then status; the tracked example untouched', async () => {
    const home = freshHome();
    const example = readFileSync(join(ROOT, 'examples', 'example-forecast.json'), 'utf8');
    await npmStart(home);
    expect(existsSync(join(home, 'forecasts', 'example.json'))).toBe(true);

    const env: Record<string, string> = {};
    const lines = shBlockAfter('replay a session instead');
    const outputs: string[] = [];
    for (const line of lines) {
      const exported = /^export ([A-Z_]+)=(\S+)$/.exec(line);
      if (exported !== null) {
        env[exported[1] ?? ''] = exported[2] ?? '';
        continue;
      }
      const ran = await runLine(line, home, env);
      expect(ran.code, `${line}\n${ran.out}`).toBe(0);
      outputs.push(ran.out);
    }
    const [, firstRun, secondRun, status] = outputs;
    expect(firstRun).toMatch(/^BUY \d+ [A-Z]+ LMT [\d.]+: (Filled|Submitted)/m);
    expect(secondRun).toMatch(/executions since the last run/);
    expect(status).toMatch(/latest snapshot \(run /);
    expect(existsSync(join(home, 'replay', 'rebalancer.sqlite')), 'the replay kept records of its own').toBe(true);
    expect(readFileSync(join(ROOT, 'examples', 'example-forecast.json'), 'utf8'), 'the tracked example is never rewritten').toBe(example);
  }, 120_000);

  it('the simulated gateway block: the gateway in one terminal, a run with BROKER=ib in the other, right after npm start', async () => {
    const home = freshHome();
    await npmStart(home);
    const [gatewayLine, runLineText] = shBlockAfter('margin is Reg T-like');
    expect(gatewayLine).toMatch(/gateway --port 4002/);
    const port = String(await freePort());
    // The only change to the lines as written: a free port instead of 4002, which another test may hold.
    const gatewayWords = (gatewayLine ?? '').replace('--port 4002', `--port ${port}`).split(/\s+/);
    const gateway = spawn(process.execPath, gatewayWords.slice(1), {
      cwd: home,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await new Promise<void>((ready, fail) => {
        const timer = setTimeout(() => fail(new Error('the gateway did not start')), 20_000);
        gateway.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('listening')) {
            clearTimeout(timer);
            ready();
          }
        });
      });
      const ran = await runLine((runLineText ?? '').replace('IB_PORT=4002', `IB_PORT=${port}`), home, {});
      expect(ran.code, ran.out).toBe(0);
      expect(ran.out).toMatch(/on broker ib/);
      expect(ran.out).not.toMatch(/\b505\b/);
    } finally {
      gateway.kill('SIGTERM');
    }
  }, 120_000);
});
