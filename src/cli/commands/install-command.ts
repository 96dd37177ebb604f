import { accessSync, chmodSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { ConfigError, ExitCode } from '../../errors.js';
import { writeFileAtomicSync } from '../../fs/atomic-write.js';
import { findHome, HOME_VARIABLE } from '../../config/home.js';
import type { CommandIo } from './command-io.js';

export interface InstallOptions {
  /** The home the command is bound to (default: the directory this program is installed in). */
  home?: string;
  /** Where the `rebalancer` file goes (default: ~/.local/bin). */
  binDir?: string;
  /** Replace a `rebalancer` file that this step did not write. */
  force: boolean;
}

/** Where the program is: the built main.js and the directory it was installed in. */
export interface Installed {
  mainJs: string;
  installDir: string;
  node: string;
}

/** The line that marks a file written by this step, so that it is replaced without --force and nothing else is. */
const MARK = '# written by `rebalancer install` (npm run install-cli)';

/** A word for sh in single quotes: safe for any path. */
function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The wrapper: REBALANCER_HOME (unless the caller set it), then this Node.js and this main.js. */
export function wrapperScript(home: string, installed: Installed): string {
  return [
    '#!/bin/sh',
    MARK,
    `# The ib-rebalancer command, from any directory, on the records of its home ${home} (.env, data/, forecasts/, logs/).`,
    '# REBALANCER_HOME, when set, names another home. After moving the directory or changing Node.js, run',
    '# `npm run install-cli` there again.',
    `if [ -z "\${${HOME_VARIABLE}:-}" ]; then ${HOME_VARIABLE}=${shQuote(home)}; fi`,
    `export ${HOME_VARIABLE}`,
    `exec ${shQuote(installed.node)} ${shQuote(installed.mainJs)} "$@"`,
    '',
  ].join('\n');
}

/**
 * `rebalancer install [--home DIR] [--bin-dir DIR] [--force]` (`npm run install-cli`): writes `rebalancer` into
 * the bin directory (~/.local/bin by default): a small sh script that sets REBALANCER_HOME and runs this Node.js
 * (the one better-sqlite3 was built for) on this main.js. It creates no records.
 */
export function installCommand(io: CommandIo, options: InstallOptions, installed: Installed): ExitCode {
  const homeDir = resolve(io.cwd, options.home ?? installed.installDir);
  // The home must exist; it need not have records yet (`npm start` or the first run makes them).
  const home = findHome(io.cwd, { ...io.env, [HOME_VARIABLE]: homeDir }, { mayCreate: true });
  const binDir = binDirOf(io, options.binDir);
  const file = join(binDir, 'rebalancer');
  if (existsSync(file) && !options.force && !readText(file).includes(MARK)) {
    throw new ConfigError(`${file} exists and was not written by this step; remove it or pass --force to replace it`, '--bin-dir');
  }
  writeFileAtomicSync(file, wrapperScript(home.dir, installed));
  chmodSync(file, 0o755);
  io.out(`installed ${file}: \`rebalancer\` runs ${installed.mainJs} with ${installed.node}, home ${home.dir}`);
  if (!home.established) {
    io.out(`note: ${home.dir} has no records yet; \`npm start\` there, or the first \`rebalancer run\`, creates them`);
  }
  const first = firstOnPath(io.env.PATH ?? '');
  if (first === undefined) {
    io.out(
      `note: ${binDir} is not on your PATH: add the line  export PATH="${binDir}:$PATH"  to ~/.profile (or ~/.bashrc), then open a new shell`,
    );
  } else if (resolve(first) !== resolve(file)) {
    io.out(`note: \`rebalancer\` on your PATH is ${first}, which comes before ${file}: remove it, or put ${binDir} first on PATH`);
  }
  return ExitCode.ok;
}

function binDirOf(io: CommandIo, given: string | undefined): string {
  if (given !== undefined) return resolve(io.cwd, given);
  const home = io.env.HOME;
  if (home === undefined || home.trim() === '')
    throw new ConfigError('HOME is not set: name the directory with --bin-dir DIR', '--bin-dir');
  return join(home, '.local', 'bin');
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The first executable `rebalancer` on PATH, as the shell would find it. */
function firstOnPath(path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'rebalancer');
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there, or not executable: the shell looks further
    }
  }
  return undefined;
}
