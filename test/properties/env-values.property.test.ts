/**
 * Bad input in the configuration: for every variable of the schema, random wrong values (wrong type, out of
 * range, unknown choice, NaN/Infinity/1e400, non-ASCII, control characters, very long) are refused with exit
 * code 2 and a message naming each variable at fault, quoting no secret and no stack trace, and before anything
 * touches the broker. Also: values wrong only together (required when another is set), and `.env` files with
 * lines dotenv would silently skip.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dotenv from 'dotenv';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { VARIABLES, type EnvVariable } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { makeWorkspace, runCli } from '../support/cli.js';
import { expectNoStackTrace, SEED, STACK_LINE, transcriptOf } from './support/checks.js';
import { A_REGULAR_FILE, KINDS, rightValue, SECRET_VARIABLES, wrongValue } from './support/env-values.js';

const IN_SESSION = '2026-11-23T15:35:00Z';
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A directory to load the configuration from, holding the regular file some wrong values point at. */
function configDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rebalancer-env-prop-'));
  dirs.push(dir);
  writeFileSync(join(dir, A_REGULAR_FILE), 'not a directory\n');
  return dir;
}

function refusal(cwd: string, env: Record<string, string>): ConfigError {
  try {
    loadConfig({ cwd, env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
}

/** One to four variables, each with a wrong value of its kind. */
const wrongSettings = fc
  .uniqueArray(fc.constantFrom(...VARIABLES), { minLength: 1, maxLength: 4 })
  .chain((names) => fc.tuple(...names.map((name) => wrongValue(KINDS[name]).map((value) => [name, value] as const))));

/** What every refusal must say: each variable at fault by name, no secret value, no stack trace, short lines. */
function expectRefusal(message: string, settings: readonly (readonly [EnvVariable, string])[]): void {
  for (const [name, value] of settings) {
    expect(message, `${name}=${JSON.stringify(value)}`).toMatch(new RegExp(`(^|\\s)${name}: `, 'm'));
    if (SECRET_VARIABLES.has(name)) {
      expect(message).toMatch(new RegExp(`${name}: .*\\(value hidden\\)`));
      if (value.trim().length >= 12) expect(message).not.toContain(value.trim());
    }
  }
  expect(message).not.toMatch(STACK_LINE);
  expect(message).not.toContain('hunter2');
  for (const line of message.split('\n')) expect(line.length, line).toBeLessThan(400);
}

describe('every configuration variable, given a wrong value', () => {
  it('the test knows the rule of every variable of the schema', () => {
    expect(Object.keys(KINDS).sort()).toEqual([...VARIABLES].sort());
  });

  it('is refused with a message naming each wrong variable and quoting no secret, several at once included', () => {
    const cwd = configDir();
    fc.assert(
      fc.property(wrongSettings, (settings) => {
        const error = refusal(cwd, Object.fromEntries(settings));
        expectRefusal(error.message, settings);
        expect(settings.map(([name]) => name)).toContain(error.variable);
      }),
      { numRuns: 200, seed: SEED },
    );
  });

  it('is refused from the .env file as from the environment', () => {
    const cwd = configDir();
    fc.assert(
      fc.property(wrongSettings, (settings) => {
        const lines = settings.map(([name, value]) => `${name}=${quoteForEnvFile(value)}`);
        const text = `${lines.join('\n')}\n`;
        fc.pre(settings.every(([name, value]) => dotenv.parse(text)[name] === value));
        writeFileSync(join(cwd, '.env'), text);
        expectRefusal(refusal(cwd, {}).message, settings);
      }),
      { numRuns: 150, seed: SEED },
    );
    rmSync(join(cwd, '.env'));
  });

  it('is accepted when right, in any case and with spaces around it, so the refusals above are not of everything', () => {
    const cwd = configDir();
    // Paper trading with a paper account, a recipient and a Flex query: the rules across variables hold whatever else is set.
    const held: Partial<Record<EnvVariable, string>> = {
      TRADING_MODE: 'paper',
      IB_ACCOUNT: 'DU1234567',
      MAIL_TO: 'me@example.com',
      FLEX_TOKEN: '123456789012345678901234',
      FLEX_QUERY_ID: '654321',
      NTFY_URL: 'https://ntfy.sh/rebalancer-Xy7q2',
    };
    const right = fc
      .uniqueArray(fc.constantFrom(...VARIABLES.filter((v) => !(v in held))), { minLength: 1, maxLength: 8 })
      .chain((names) => fc.tuple(...names.map((name) => rightValue(KINDS[name]).map((value) => [name, value] as const))));
    fc.assert(
      fc.property(right, (settings) => {
        const env = { ...held, ...Object.fromEntries(settings) } as Record<string, string>;
        expect(() => loadConfig({ cwd, env }), JSON.stringify(env)).not.toThrow();
      }),
      { numRuns: 200, seed: SEED },
    );
  });

  it.each([
    ['IB_ACCOUNT', { BROKER: 'ib', IB_ACCOUNT: '' }],
    ['MAIL_TO', { SMTP_URL: 'smtps://bot:hunter2@mail.example.com:465', MAIL_TO: '   ' }],
    ['FLEX_QUERY_ID', { FLEX_TOKEN: 'hunter2hunter2hunter2', FLEX_QUERY_ID: ' ' }],
    ['FLEX_TOKEN', { FLEX_QUERY_ID: '654321', FLEX_TOKEN: '' }],
    ['NTFY_URL', { NTFY_TOKEN: 'tk_hunter2hunter2hunter2', NTFY_URL: ' ' }],
    ['LIVE_TRADING_CONFIRM', { TRADING_MODE: 'live', LIVE_TRADING_CONFIRM: '' }],
    ['LIVE_TRADING_CONFIRM', { TRADING_MODE: 'live', LIVE_TRADING_CONFIRM: 'no', BROKER: 'ib', IB_ACCOUNT: 'U1234567' }],
    ['IB_ACCOUNT', { TRADING_MODE: 'live', LIVE_TRADING_CONFIRM: 'yes', BROKER: 'ib', IB_ACCOUNT: 'DU1234567' }],
  ] as const)('%s is named when it is empty or wrong only because of another variable (%j)', (name, env) => {
    const error = refusal(configDir(), { ...env });
    expect(error.message).toMatch(new RegExp(`${name}: `));
    expect(error.message).not.toContain('hunter2');
  });
});

/** A .env spelling of a value: single quotes keep everything but a single quote; double quotes expand \n. */
function quoteForEnvFile(value: string): string {
  if (!value.includes("'") && !value.includes('\n')) return `'${value}'`;
  return `"${value.replace(/\n/g, '\\n')}"`;
}

describe('a .env file with lines that are not settings', () => {
  // Lines dotenv skips without a word: no "=", no ": ", not a comment. A limit written on one would be lost.
  const garbage = fc
    .oneof(
      fc.constantFrom(
        'MAX_LEVERAGE 1',
        'MAX_LEVERAGE1.5',
        '[limits]',
        'just some words',
        '-- MAX_ORDER_VALUE 10000',
        'MAX_LEVERAGE\u00a0=\u00a01',
        '; comment',
        '%%%',
        '\u0000\u0001\u0002',
      ),
      fc.string({ minLength: 1, maxLength: 30 }),
    )
    // A line of just `export` is not one: dotenv reads it with the next line, as `export NAME=value`.
    .filter((line) => line.trim() !== '' && line.trim() !== 'export' && !/[=:#"'`\n\r]/.test(line));
  const good = fc.constantFrom(
    'MAX_LEVERAGE=1.5',
    'MAX_ORDERS_PER_RUN=12',
    '# a comment',
    '',
    '   ',
    'export ALLOW_SHORT=false',
    'LOG_LEVEL: warn',
    'MIN_CUSHION=0.1 # trailing comment',
  );
  const file = fc.array(fc.oneof({ arbitrary: good, weight: 3 }, { arbitrary: garbage.map((g) => ({ g })), weight: 1 }), {
    minLength: 1,
    maxLength: 12,
  });

  it('is refused naming the file and the line number of every such line, without quoting its value; settings alone pass', () => {
    const cwd = configDir();
    fc.assert(
      fc.property(file, (lines) => {
        const text = lines.map((l) => (typeof l === 'string' ? l : l.g)).join('\n');
        const bad = lines.flatMap((l, i) => (typeof l === 'string' ? [] : [i + 1]));
        writeFileSync(join(cwd, '.env'), text);
        if (bad.length === 0) {
          expect(() => loadConfig({ cwd, env: {} })).not.toThrow();
          return;
        }
        const message = refusal(cwd, {}).message;
        for (const n of bad) expect(message, text).toContain(`${join(cwd, '.env')} line ${n}: not a NAME=value line`);
        const named = [...message.matchAll(/ line (\d+): /g)].map((m) => Number(m[1]));
        expect(named.sort((a, b) => a - b)).toEqual(bad);
        expect(message).not.toContain('MAX_ORDER_VALUE 10000');
        expect(message).not.toMatch(STACK_LINE);
      }),
      { numRuns: 300, seed: SEED },
    );
    rmSync(join(cwd, '.env'));
  });
});

describe('the built command, given wrong configuration values', () => {
  it('exits 2 naming every wrong variable, with no stack trace and without reaching the broker', async () => {
    // Only values an environment can carry (no NUL); about half go in .env, the rest in the environment.
    const settings = wrongSettings.filter((s) => s.every(([, v]) => !v.includes('\u0000')));
    await fc.assert(
      fc.asyncProperty(settings, fc.boolean(), async (chosen, viaFile) => {
        const ws = makeWorkspace('rebalancer-env-cli-');
        dirs.push(ws.root);
        writeFileSync(join(ws.root, A_REGULAR_FILE), 'not a directory\n');
        const env: Record<string, string> = { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs };
        const fileLines: string[] = [];
        for (const [name, value] of chosen) {
          const line = `${name}=${quoteForEnvFile(value)}`;
          if (viaFile && dotenv.parse(line)[name] === value) {
            fileLines.push(line);
            delete env[name];
          } else {
            env[name] = value;
          }
        }
        if (fileLines.length > 0) {
          writeFileSync(join(ws.root, '.env'), `${fileLines.join('\n')}\n`);
          chmodSync(join(ws.root, '.env'), 0o600);
        }
        const r = await runCli(['run', '--now', IN_SESSION], { cwd: ws.root, env });
        expect(r.code, transcriptOf(r)).toBe(2);
        expectNoStackTrace(r);
        expect(r.stderr).toMatch(/^configuration error: /m);
        for (const [name] of chosen) expect(r.stderr, transcriptOf(r)).toMatch(new RegExp(`(^|\\s)${name}: `, 'm'));
        expect(r.stdout + r.stderr).not.toContain('hunter2');
        // Nothing was locked, opened or connected: the data directory was never created.
        expect(existsSync(ws.data) ? readdirSync(ws.data) : [], transcriptOf(r)).toEqual([]);
      }),
      { numRuns: 10, seed: SEED },
    );
  }, 60_000);

  it('exits 2 naming the lines of a .env file that are not settings', async () => {
    const ws = makeWorkspace('rebalancer-env-cli-');
    dirs.push(ws.root);
    mkdirSync(ws.logs, { recursive: true });
    writeFileSync(join(ws.root, '.env'), 'MAX_LEVERAGE=1.5\nMAX_ORDER_VALUE 10000\n# fine\n[limits]\n', { mode: 0o600 });
    const r = await runCli(['run', '--now', IN_SESSION], {
      cwd: ws.root,
      env: { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs },
    });
    expect(r.code, transcriptOf(r)).toBe(2);
    expectNoStackTrace(r);
    expect(r.stderr).toMatch(/\.env line 2: not a NAME=value line, so it would be ignored \(it starts with MAX_ORDER_VALUE\)/);
    expect(r.stderr).toMatch(/\.env line 4: not a NAME=value line/);
    expect(r.stderr).not.toContain('10000');
    expect(existsSync(ws.data)).toBe(false);
  });
});
