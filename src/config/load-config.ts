/**
 * Reads the configuration from `.env` and the environment (the environment wins), validates it in one pass and
 * returns a typed, nested Config. Never mutates process.env. Every problem is reported in one ConfigError.
 */
import { nearMisses } from './did-you-mean.js';
import { readEnvFile } from './env-file.js';
import { checkFiles } from './file-checks.js';
import { configErrorOf, type Problem } from './problems.js';
import { configSchema, type Config } from './schema.js';

export type { Config } from './schema.js';
export { defaultEnv } from './schema.js';
export { secretsOf } from './secrets.js';

export interface LoadConfigOptions {
  /** Directory of `.env` and the base of relative paths. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Env file to read instead of `<cwd>/.env`; then it must exist. */
  envFile?: string;
  /** The directory the command was started in, when it is not `cwd` (the home), for file names in messages. */
  workingDir?: string;
}

export interface LoadedConfig {
  config: Config;
  /** Things worth telling the user that do not stop the run, such as a misspelt variable name. */
  warnings: string[];
  /** Absolute path of the env file that was read, if any. */
  envFile?: string;
  /**
   * Set when the env file is open to other users (any group or other permission bit): it may hold the SMTP
   * password. Names the file and the fix. Kept apart from `warnings`, which are about names and values.
   */
  permissionWarning?: string;
}

export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const { fileVars, envFile, lineProblems, permissionWarning } = readEnvFile(options.cwd, options.envFile, options.workingDir);
  const merged: Record<string, string> = { ...fileVars };
  for (const [key, value] of Object.entries(options.env)) {
    // An empty value means unset, so it does not hide the file's value.
    if (value !== undefined && value.trim() !== '') merged[key] = value;
  }

  // One parse per process: zod's compiled fast path (generated with new Function on the first parse of an object
  // schema) costs more to build than it saves, here about 5 ms of every command's start-up. Same checks, same issues.
  const parsed = configSchema(options.cwd).safeParse(merged, { jitless: true });
  const problems: Problem[] = [...lineProblems];
  const failed = new Set<string>();
  for (const issue of parsed.error?.issues ?? []) {
    const variable = String(issue.path[0] ?? 'configuration');
    failed.add(variable);
    problems.push({ variable, message: issue.message });
  }
  // The files are checked even when other values are wrong, so that one message names every problem.
  problems.push(...checkFiles(merged, options.cwd, failed));
  if (problems.length > 0 || !parsed.success) throw configErrorOf(problems, envFile);

  const warnings = [...nearMisses(Object.keys(options.env), { prefixed: true }), ...nearMisses(Object.keys(fileVars), { prefixed: false })];
  return {
    config: parsed.data,
    warnings: [...new Set(warnings)],
    envFile,
    ...(permissionWarning === undefined ? {} : { permissionWarning }),
  };
}
