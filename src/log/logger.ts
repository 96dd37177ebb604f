/**
 * The log file: pino JSON lines in `<logDir>/rebalancer.log`, written synchronously so that a short cron process
 * loses no line when it exits. Secrets are masked three times over: in the arguments of every call, by key path,
 * and in the final serialized line.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { LogFn, Logger } from 'pino';
import type { LogLevel } from './log-level.js';
import { jsonEscapedForms, MASK, redactDeep, redactSecrets } from './redact.js';

export type { Logger } from 'pino';

export const LOG_FILE_NAME = 'rebalancer.log';

export interface CreateLoggerOptions {
  logDir: string;
  level: LogLevel;
  /** Strings that must never reach the file (see secretsOf). */
  secrets: readonly string[];
  /** Bound to every line, so that one run's lines can be picked out. */
  runId?: string;
}

/** Keys whose values are secret whatever they contain. */
const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'pass',
  '*.pass',
  'auth.pass',
  '*.auth.pass',
  'smtpUrl',
  '*.smtpUrl',
  '*.*.smtpUrl',
  'SMTP_URL',
  '*.SMTP_URL',
];

/** Path of the log file for a log directory. */
export function logFilePath(logDir: string): string {
  return join(logDir, LOG_FILE_NAME);
}

/**
 * pino, loaded by the first logger made (synchronously: pino is a CommonJS package), not by every module that
 * imports this one: about 20 ms and 30 modules of start-up that `status` and `plan` need not pay.
 */
function loadPino(): typeof import('pino').pino {
  return (createRequire(import.meta.url)('pino') as typeof import('pino')).pino;
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const pino = loadPino();
  mkdirSync(options.logDir, { recursive: true });
  const secrets = [...options.secrets];
  // The serialized line escapes quotes and backslashes, so mask the escaped forms too.
  const lineSecrets = jsonEscapedForms(secrets);
  const file = logFilePath(options.logDir);
  const destination = pino.destination({ dest: file, sync: true, append: true, mkdir: true });
  // A log line that cannot be written (disk full, file too large, I/O error) must not become the run's failure:
  // without a listener the stream's 'error' is thrown from whatever logger call was writing, so a full disk
  // would crash a run between two orders and skip its alert. The records in SQLite are what the run
  // depends on; the log says once, on stderr, that it is losing lines.
  let warned = false;
  destination.on('error', (error: NodeJS.ErrnoException) => {
    if (warned) return;
    warned = true;
    process.stderr.write(
      `warning: cannot write the log file ${file} (${error.code ?? 'error'}: ${error.message}); log lines are lost until it can be written\n`,
    );
  });
  return pino(
    {
      level: options.level,
      base: options.runId === undefined ? { pid: process.pid } : { pid: process.pid, runId: options.runId },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: MASK },
      formatters: {
        bindings: (bindings) => redactDeep(bindings, secrets) as Record<string, unknown>,
        log: (object) => redactDeep(object, secrets) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const clean = args.map((arg) => redactDeep(arg, secrets)) as Parameters<LogFn>;
          method.apply(this, clean);
        },
        streamWrite: (line) => redactSecrets(line, lineSecrets),
      },
    },
    destination,
  );
}

/**
 * A logger made (its directory created, its file opened, pino loaded) when it is first used: for the read-only
 * commands, which log only a configuration warning and so, most of the time, nothing. A log file that cannot be
 * opened fails the first call that logs, not the command's start: the hourly job, which must fail before it
 * touches anything, uses createLogger.
 */
export function deferredLogger(options: CreateLoggerOptions): Logger {
  let made: Logger | undefined;
  const logger = (): Logger => (made ??= createLogger(options));
  return new Proxy({} as Logger, {
    get(_target, property) {
      const real = logger();
      const value: unknown = Reflect.get(real, property, real);
      return typeof value === 'function' ? value.bind(real) : value;
    },
    set: (_target, property, value: unknown) => Reflect.set(logger(), property, value),
    has: (_target, property) => Reflect.has(logger(), property),
  });
}
