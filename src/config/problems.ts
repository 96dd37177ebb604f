/** A problem with the configuration, and the one ConfigError (exit 2) that lists every problem found. */
import { ConfigError } from '../errors.js';

export interface Problem {
  /** The variable at fault, or the env file and line. */
  variable: string;
  message: string;
}

/** The error for a non-empty list of problems; `envFile` is the file read besides the environment, if any. */
export function configErrorOf(problems: readonly Problem[], envFile: string | undefined): ConfigError {
  const lines = problems.map((p) => `${p.variable}: ${p.message}`);
  const where = envFile ? `${envFile} and the environment` : 'the environment';
  const message =
    lines.length === 1
      ? `Invalid configuration (from ${where}): ${lines[0]}`
      : `Invalid configuration (from ${where}), ${lines.length} problems:\n${lines.map((l) => `  ${l}`).join('\n')}`;
  return new ConfigError(message, problems[0]?.variable);
}
