/**
 * The home: the one directory whose `.env` is read and against which every relative path in it (DATA_DIR,
 * FORECAST_DIR, LOG_DIR, SIM_SCENARIO) is resolved, whichever directory a command is started from.
 *
 * - REBALANCER_HOME, when set (the `rebalancer` command that `npm run install-cli` writes sets it): it must be a
 *   directory that exists.
 * - Else the working directory.
 *
 * Only `run` (and the simulators) may make a directory a home by creating records in it. Every other command needs
 * an established home, one that has a `.env` or a database, and otherwise exits 2 naming where it looked, before
 * anything is created.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';

export const HOME_VARIABLE = 'REBALANCER_HOME';

/** The database's name in DATA_DIR. */
export const DATABASE_NAME = 'rebalancer.sqlite';

export interface Home {
  /** Absolute path of the home, as given (a symlink stays a symlink, so that re-pointing it moves the home). */
  dir: string;
  /** The same directory with every symlink resolved; equal to `dir` when there is none. */
  realDir: string;
  /** Where the home came from. */
  from: typeof HOME_VARIABLE | 'the working directory';
  /** The home has a `.env` or a database: settings or records were made there. */
  established: boolean;
  /** Where the database is looked for before the configuration is read: DATA_DIR (environment, else ./data) in the home. */
  database: string;
}

/** A command started where there is no home: exit 2, nothing created. */
export class HomeError extends ConfigError {
  constructor(message: string) {
    super(message, HOME_VARIABLE);
  }
}

/** An environment value, or undefined when unset or blank (blank means unset, as for every setting). */
function valueOf(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Whether `dir` has a `.env`, or a database where DATA_DIR (environment, else ./data) puts it. */
function inspect(dir: string, env: NodeJS.ProcessEnv): { established: boolean; database: string } {
  const database = join(resolve(dir, valueOf(env, 'DATA_DIR') ?? './data'), DATABASE_NAME);
  return { established: existsSync(join(dir, '.env')) || existsSync(database), database };
}

function kindOf(path: string): 'directory' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'other';
  } catch {
    return 'missing';
  }
}

const HOW_TO =
  'Use the `rebalancer` command that `npm run install-cli` installs, start the command in the directory you installed into, ' +
  'or set REBALANCER_HOME to that directory';

/**
 * The home a command started in `cwd` with `env` works in. `mayCreate`: the command may make a new home (`run`);
 * otherwise the home must be established.
 *
 * @throws HomeError (exit 2) naming where it looked; nothing is created.
 */
export function findHome(cwd: string, env: NodeJS.ProcessEnv, o: { mayCreate: boolean }): Home {
  const named = valueOf(env, HOME_VARIABLE);
  const dir = resolve(cwd, named ?? '.');
  if (named !== undefined) {
    const kind = kindOf(dir);
    if (kind !== 'directory') {
      throw new HomeError(
        `${HOME_VARIABLE}=${named}: ${kind === 'missing' ? 'no such directory' : 'not a directory'} (${dir}); nothing was created. ` +
          `Point it at the directory you installed into (where .env and data/ are), or unset it`,
      );
    }
  }
  const { established, database } = inspect(dir, env);
  if (!established && !o.mayCreate) {
    throw new HomeError(
      named !== undefined
        ? `${HOME_VARIABLE}=${dir} is not a rebalancer home: it has no .env and no database ${database}; nothing was created. ` +
            'The first `rebalancer run` there (or `npm start`) makes it one'
        : `no rebalancer home here: ${dir} has no .env and no database ${database}, and ${HOME_VARIABLE} is not set; ` +
            `nothing was created. ${HOW_TO}`,
    );
  }
  let realDir = dir;
  try {
    realDir = realpathSync(dir);
  } catch {
    // a home that is not there yet (a first run in the working directory): it is what it says
  }
  return { dir, realDir, from: named !== undefined ? HOME_VARIABLE : 'the working directory', established, database };
}

/** The home as one line: `home /x (REBALANCER_HOME)`, with the real path when a symlink leads there. */
export function describeHome(home: Home): string {
  const real = home.realDir === home.dir ? '' : ` -> ${home.realDir}`;
  return `home ${home.dir}${real} (from ${home.from})`;
}
