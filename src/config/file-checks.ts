/**
 * What the schema cannot see, on disk: SIM_SCENARIO must be a file, and DATA_DIR and LOG_DIR, when they exist,
 * must be directories (they are created when missing).
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { redactSecrets } from '../log/redact.js';
import type { Problem } from './problems.js';
import { variableMeta, type EnvVariable } from './schema.js';
import { showValue } from './secrets.js';
import { effectiveText } from './variable.js';

const CHECKED_DIRECTORIES = ['DATA_DIR', 'LOG_DIR'] as const;

/** The problems with the files the settings in `raw` name; variables in `failed` (already refused) are skipped. */
export function checkFiles(raw: Record<string, string>, cwd: string, failed: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  const valueOf = (name: EnvVariable): string | undefined => effectiveText(raw[name], variableMeta(name).envDefault);
  const scenario = valueOf('SIM_SCENARIO');
  if (scenario !== undefined && !failed.has('SIM_SCENARIO')) {
    const file = resolve(cwd, scenario);
    const stat = statOf(file);
    if (stat === undefined || stat === 'ENOTDIR' || !stat.isFile()) {
      problems.push({ variable: 'SIM_SCENARIO', message: `no such file${shownPath(file, scenario)} ${showValue(scenario, false)}` });
    }
  }
  for (const name of CHECKED_DIRECTORIES) {
    const value = valueOf(name);
    if (value === undefined || failed.has(name)) continue;
    const dir = resolve(cwd, value);
    const stat = statOf(dir);
    if (stat === 'ENOTDIR' || (stat !== undefined && !stat.isDirectory())) {
      problems.push({ variable: name, message: `not a directory${shownPath(dir, value)} ${showValue(value, false)}` });
    }
  }
  return problems;
}

/**
 * The absolute path a value resolved to, for a message (with a leading space), unless the value holds URL
 * credentials: resolving `smtp://user:pw@host` as a path gives `smtp:/user:pw@host`, which no mask recognises.
 */
function shownPath(absolute: string, value: string): string {
  return redactSecrets(value, []) === value ? ` ${absolute}` : '';
}

/** The file's stat; undefined when it does not exist (or cannot be looked at); ENOTDIR when a parent is a file. */
function statOf(path: string): ReturnType<typeof statSync> | 'ENOTDIR' | undefined {
  try {
    return statSync(path);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'ENOTDIR' : undefined;
  }
}
