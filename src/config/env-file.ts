/**
 * Reading the env file (`.env` in the working directory, or the file given): its settings as dotenv reads
 * them, the lines dotenv would skip without a word, and a warning when users other than its owner may read it.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import dotenv from 'dotenv';
import { ConfigError } from '../errors.js';
import type { Problem } from './problems.js';

export interface EnvFileRead {
  fileVars: Record<string, string>;
  /** Absolute path of the file read; undefined when there was none. */
  envFile?: string;
  /** Lines dotenv would skip without a word: each one a problem, since a setting on it would be lost. */
  lineProblems: Problem[];
  permissionWarning?: string;
}

/**
 * Reads `<cwd>/.env` (none is fine) or `envFile` (relative to cwd; then it must exist). `workingDir`: where the
 * person is (default cwd), for the file's name in the fix of a permission warning.
 */
export function readEnvFile(cwd: string, envFile: string | undefined, workingDir: string = cwd): EnvFileRead {
  const explicit = envFile !== undefined;
  const file = resolve(cwd, envFile ?? '.env');
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return { fileVars: {}, lineProblems: [] };
    throw new ConfigError(`env file ${file}: cannot be read (${code ?? String(error)})`, 'envFile');
  }
  const permissionWarning = permissionWarningOf(file, workingDir);
  return {
    fileVars: dotenv.parse(content),
    envFile: file,
    lineProblems: unreadLines(content, file),
    ...(permissionWarning === undefined ? {} : { permissionWarning }),
  };
}

/** The warning for an env file that users other than its owner may read or write (mode & 0o077), else undefined. */
function permissionWarningOf(file: string, cwd: string): string | undefined {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    return undefined;
  }
  if ((mode & 0o077) === 0) return undefined;
  const inCwd = relative(cwd, file);
  const name = inCwd !== '' && !inCwd.startsWith('..') && !isAbsolute(inCwd) ? inCwd : file;
  return (
    `${file} is readable or writable by other users (mode ${mode.toString(8).padStart(4, '0')}); it holds the settings and may hold ` +
    `the SMTP password. Fix: chmod 600 ${/^[\w./-]+$/.test(name) ? name : `'${name.replace(/'/g, "'\\''")}'`}`
  );
}

/**
 * dotenv 17's own line pattern (LINE in dotenv/lib/main.js). dotenv.parse skips, silently, any line it does not
 * match: a limit written as `MAX_LEVERAGE 1` or `- MAX_LEVERAGE=1` would leave the default in force unnoticed.
 */
const DOTENV_LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

/** Lines listed at most, so that a binary file pasted as .env does not make a message of thousands of lines. */
const MAX_LINES_LISTED = 10;

/** Every line that is neither blank, a comment, nor part of a setting dotenv reads (a quoted value may span lines). */
function unreadLines(content: string, file: string): Problem[] {
  const text = content.replace(/\r\n?/g, '\n');
  const covered: [number, number][] = [];
  for (const match of text.matchAll(DOTENV_LINE)) covered.push([match.index, match.index + match[0].length]);
  const lines = text.split('\n');
  const bad: number[] = [];
  let start = 0;
  lines.forEach((line, i) => {
    const end = start + line.length;
    const trimmed = line.trim();
    if (trimmed !== '' && !trimmed.startsWith('#') && !covered.some(([from, to]) => from <= start && end <= to)) bad.push(i + 1);
    start = end + 1;
  });
  const listed = bad.slice(0, MAX_LINES_LISTED).map((n): Problem => {
    // Only the name a line starts with is shown: the rest may be a value, and a value may be a password.
    const name = /^\s*(?:export\s+)?([A-Za-z_][\w.-]{0,39})/.exec(lines[n - 1] ?? '')?.[1];
    return {
      variable: `${file} line ${n}`,
      message: `not a NAME=value line, so it would be ignored${name === undefined ? '' : ` (it starts with ${name})`}; comments start with #`,
    };
  });
  if (bad.length > listed.length)
    listed.push({ variable: file, message: `and ${bad.length - listed.length} more lines that are not NAME=value lines` });
  return listed;
}
