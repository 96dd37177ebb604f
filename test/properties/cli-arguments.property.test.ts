/**
 * Bad input on the command line: random argument lists that are always wrong (an unknown command, an unknown
 * option, an option without its value, a required option left out, an extra argument, a --now that is not an
 * ISO 8601 time with a zone, a --kind or --port out of its choices) make the built command exit 2 with a usage
 * message, never a stack trace, and never reach the broker: nothing is created under DATA_DIR.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { makeWorkspace, runCli } from '../support/cli.js';
import { expectNoStackTrace, SEED, transcriptOf } from './support/checks.js';

const COMMANDS = ['run', 'plan', 'status', 'halt', 'resume', 'reconcile', 'gateway', 'report', 'schedule'] as const;
type CommandName = (typeof COMMANDS)[number];

/** Each command's options; those taking a value have a valid one, used to fill in around the mistake. */
const OPTIONS: Record<CommandName, Record<string, string | null>> = {
  run: { '--dry-run': null, '--now': '2026-11-23T15:35:00Z' },
  plan: { '--json': null, '--now': '2026-11-23T15:35:00Z' },
  status: { '--json': null },
  halt: { '--reason': 'checking' },
  resume: { '--reason': 'checked' },
  reconcile: { '--accept': 'AAPL', '--reason': 'checked', '--json': null },
  gateway: { '--port': '0', '--scenario': 'scenario.json', '--now': '2026-11-23T15:35:00Z', '--data-dir': 'gw', '--log-frames': null },
  report: { '--kind': 'end', '--day': '2026-11-20', '--send': null, '--now': '2026-11-23T15:35:00Z' },
  schedule: {},
};
const REQUIRED: Partial<Record<CommandName, string>> = { halt: '--reason', report: '--kind' };
const WITH_NOW = COMMANDS.filter((c) => '--now' in OPTIONS[c]);

/** Other options of a command, valid ones with their values, as padding around a mistake. */
function validOptions(command: CommandName, except: string[] = []): fc.Arbitrary<string[]> {
  const names = Object.keys(OPTIONS[command]).filter((o) => !except.includes(o) && o !== '--scenario' && o !== '--send');
  if (names.length === 0) return fc.constant([]);
  return fc.subarray(names).map((chosen) =>
    chosen.flatMap((o) => {
      const value = OPTIONS[command][o];
      return value === null || value === undefined ? [o] : [o, value];
    }),
  );
}

/** The required option of a command, with a valid value, unless the mistake is about it. */
const requiredOf = (command: CommandName): string[] => {
  const option = REQUIRED[command];
  return option === undefined ? [] : [option, OPTIONS[command][option] ?? ''];
};

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,14}$/);
const command = fc.constantFrom(...COMMANDS);

/** Times that must be refused: no zone, not a time, out of range, empty. */
const badNow = fc.oneof(
  fc.constantFrom(
    '2026-11-23 10:35',
    '2026-11-23T10:35:00',
    '2026-11-23',
    'now',
    'tomorrow',
    '',
    ' ',
    '1700000000',
    '2026-13-01T00:00:00Z',
    '2026-11-31T10:00:00Z',
    '2026-11-23T25:00:00Z',
    '2026-11-23T10:35:00+25:00',
    'Z',
    '--dry-run',
  ),
  fc.string({ maxLength: 20 }).filter((s) => !/\d/.test(s)),
);

/** Every family of mistake, as a whole argument list. */
const wrongArgv = fc.oneof(
  // no command at all, or an unknown one
  fc.constant<string[]>([]),
  word.filter((w) => !(COMMANDS as readonly string[]).includes(w) && w !== 'help').map((w) => [w]),
  // an unknown option, long or short, before or after valid ones
  fc.tuple(command, word, fc.boolean(), fc.boolean()).chain(([c, w, short, first]) => {
    const option = short ? `-${w[0] === 'h' ? 'z' : (w[0] ?? 'z')}` : `--${w}`;
    const known = Object.keys(OPTIONS[c]);
    return validOptions(c)
      .map((rest) => [c, ...requiredOf(c), ...(first ? [option, ...rest] : [...rest, option])])
      .filter(() => !known.includes(option) && option !== '--help');
  }),
  // an option that takes a value, given none (last on the line)
  command
    .filter((c) => Object.values(OPTIONS[c]).some((v) => v !== null))
    .chain((c) => {
      const valued = Object.keys(OPTIONS[c]).filter((o) => OPTIONS[c][o] !== null);
      return fc
        .constantFrom(...valued)
        .chain((o) => validOptions(c, [o, REQUIRED[c] ?? '']).map((rest) => [c, ...(REQUIRED[c] === o ? [] : requiredOf(c)), ...rest, o]));
    }),
  // a required option left out
  fc.constantFrom<CommandName>('halt', 'report').chain((c) => validOptions(c, [REQUIRED[c] ?? '']).map((rest) => [c, ...rest])),
  // an argument no command takes
  fc.tuple(command, word).chain(([c, w]) => validOptions(c).map((rest) => [c, ...requiredOf(c), ...rest, w])),
  // a --now that is not an ISO 8601 time with a zone
  fc
    .tuple(fc.constantFrom(...WITH_NOW), badNow)
    .chain(([c, now]) =>
      validOptions(c, ['--now', '--port']).map((rest) => [
        c,
        ...requiredOf(c),
        ...rest,
        ...(c === 'gateway' ? ['--port', '0'] : []),
        '--now',
        now,
      ]),
    ),
  // a --kind out of its choices
  fc
    .string({ maxLength: 12 })
    .filter((k) => !['start', 'mid', 'end'].includes(k))
    .map((k) => ['report', '--kind', k]),
  // a --port that is not a port
  fc.oneof(fc.constantFrom('-1', '65536', '99999', 'abc', '', '4002.5', '0x10', ' 1'), word).map((p) => ['gateway', '--port', p]),
  // a boolean flag given a value
  fc
    .constantFrom<[CommandName, string]>(
      ['run', '--dry-run'],
      ['plan', '--json'],
      ['status', '--json'],
      ['reconcile', '--json'],
      ['report', '--send'],
    )
    .map(([c, flag]) => [c, ...requiredOf(c), `${flag}=yes`]),
);

describe('the built command, given wrong arguments', () => {
  const roots: string[] = [];
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it('exits 2 with a usage message, no stack trace, and nothing created under DATA_DIR', async () => {
    await fc.assert(
      fc.asyncProperty(wrongArgv, async (argv) => {
        const ws = makeWorkspace('rebalancer-argv-');
        roots.push(ws.root);
        const r = await runCli(argv, {
          cwd: ws.root,
          env: { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs },
          timeoutMs: 10_000,
        });
        const shown = `rebalancer ${JSON.stringify(argv)}\n${transcriptOf(r)}`;
        expect(r.code, shown).toBe(2);
        expectNoStackTrace(r);
        // commander's own errors come with the usage of the command; ours name the argument.
        expect(r.stderr, shown).toMatch(/^(error: .+\n[\s\S]*Usage: rebalancer|configuration error: --(now|port): )|^Usage: rebalancer/m);
        expect(r.stdout, shown).toBe('');
        expect(existsSync(ws.data) ? readdirSync(ws.data) : [], shown).toEqual([]);
      }),
      { numRuns: 25, seed: SEED },
    );
  }, 60_000);
});
