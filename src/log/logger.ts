/**
 * The log file: pino JSON lines in `<logDir>/rebalancer.log`, written synchronously so that a short cron process
 * loses no line when it exits. Secrets are masked three times over: in the arguments of every call, by key path,
 * and in the final serialized line.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type LogFn, type Logger } from 'pino';
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

export function createLogger(options: CreateLoggerOptions): Logger {
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
