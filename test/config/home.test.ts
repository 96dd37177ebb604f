import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeHome, findHome, HomeError } from '../../src/config/home.js';
import { loadConfig } from '../../src/config/load-config.js';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rebalancer-home-'));
  roots.push(d);
  return d;
}

/** A home as `npm start` leaves it: a database under data/. */
function homeWithRecords(): string {
  const home = dir();
  mkdirSync(join(home, 'data'));
  writeFileSync(join(home, 'data', 'rebalancer.sqlite'), '');
  return home;
}

function homeError(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(HomeError);
    return (error as Error).message;
  }
  throw new Error('expected a HomeError');
}

describe('the home: where every command finds its .env and records', () => {
  it('is REBALANCER_HOME when set, even when the working directory is another home', () => {
    const home = homeWithRecords();
    const other = homeWithRecords();
    const found = findHome(other, { REBALANCER_HOME: home }, { mayCreate: false });
    expect(found).toMatchObject({
      dir: home,
      from: 'REBALANCER_HOME',
      established: true,
      database: join(home, 'data', 'rebalancer.sqlite'),
    });
  });

  it('is the working directory only when it has a .env or a database there', () => {
    const withEnv = dir();
    writeFileSync(join(withEnv, '.env'), '');
    expect(findHome(withEnv, {}, { mayCreate: false })).toMatchObject({ dir: withEnv, from: 'the working directory', established: true });
    const withRecords = homeWithRecords();
    expect(findHome(withRecords, {}, { mayCreate: false }).established).toBe(true);
    // DATA_DIR in the environment says where the database is.
    const elsewhere = homeWithRecords();
    const cwd = dir();
    expect(findHome(cwd, { DATA_DIR: join(elsewhere, 'data') }, { mayCreate: false }).established).toBe(true);
  });

  it('a blank REBALANCER_HOME is unset, as every blank setting is', () => {
    const cwd = homeWithRecords();
    expect(findHome(cwd, { REBALANCER_HOME: '  ' }, { mayCreate: false })).toMatchObject({ dir: cwd, from: 'the working directory' });
  });

  it('a relative REBALANCER_HOME is taken from the working directory and shown absolute', () => {
    const parent = dir();
    mkdirSync(join(parent, 'install'));
    writeFileSync(join(parent, 'install', '.env'), '');
    expect(findHome(parent, { REBALANCER_HOME: 'install' }, { mayCreate: false }).dir).toBe(join(parent, 'install'));
  });

  it('elsewhere, names where it looked and how to fix it, and creates nothing', () => {
    const cwd = dir();
    const message = homeError(() => findHome(cwd, {}, { mayCreate: false }));
    expect(message).toContain(`no rebalancer home here: ${cwd} has no .env and no database ${join(cwd, 'data', 'rebalancer.sqlite')}`);
    expect(message).toMatch(/REBALANCER_HOME is not set; nothing was created/);
    expect(message).toMatch(/npm run install-cli/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a first run may make the working directory a home; nothing is created by finding it', () => {
    const cwd = dir();
    expect(findHome(cwd, {}, { mayCreate: true })).toMatchObject({ dir: cwd, established: false });
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('REBALANCER_HOME that does not exist, or is a file, is refused even for a run', () => {
    const parent = dir();
    const missing = join(parent, 'gone');
    for (const mayCreate of [false, true]) {
      expect(homeError(() => findHome(parent, { REBALANCER_HOME: missing }, { mayCreate }))).toBe(
        `REBALANCER_HOME=${missing}: no such directory (${missing}); nothing was created. ` +
          'Point it at the directory you installed into (where .env and data/ are), or unset it',
      );
    }
    writeFileSync(join(parent, 'file'), '');
    expect(homeError(() => findHome(parent, { REBALANCER_HOME: join(parent, 'file') }, { mayCreate: true }))).toMatch(/: not a directory/);
    expect(readdirSync(parent)).toEqual(['file']);
  });

  it('REBALANCER_HOME naming a directory with no .env and no records: only a run may start there', () => {
    const empty = dir();
    expect(homeError(() => findHome(dir(), { REBALANCER_HOME: empty }, { mayCreate: false }))).toMatch(
      /^REBALANCER_HOME=.* is not a rebalancer home: it has no \.env and no database .*data\/rebalancer\.sqlite; nothing was created/,
    );
    expect(findHome(dir(), { REBALANCER_HOME: empty }, { mayCreate: true }).established).toBe(false);
  });

  it('a symlinked home stays the link (re-pointing it moves the home), and says where it leads', () => {
    const real = homeWithRecords();
    const link = join(dir(), 'current');
    symlinkSync(real, link);
    const found = findHome(dir(), { REBALANCER_HOME: link }, { mayCreate: false });
    expect(found).toMatchObject({ dir: link, realDir: real, established: true });
    expect(describeHome(found)).toBe(`home ${link} -> ${real} (from REBALANCER_HOME)`);
    const dangling = join(dir(), 'dangling');
    symlinkSync(join(real, 'nothing'), dangling);
    expect(homeError(() => findHome(dir(), { REBALANCER_HOME: dangling }, { mayCreate: true }))).toMatch(/no such directory/);
  });

  it("relative paths in the home's .env are resolved against the home, never the working directory", () => {
    const home = dir();
    writeFileSync(join(home, '.env'), 'DATA_DIR=./records\nFORECAST_DIR=forecasts/live\nLOG_DIR=../logs-of-home\n', { mode: 0o600 });
    const found = findHome(dir(), { REBALANCER_HOME: home }, { mayCreate: false });
    const { config, envFile } = loadConfig({ cwd: found.dir, env: {} });
    expect(envFile).toBe(join(home, '.env'));
    expect(config.files.dataDir).toBe(join(home, 'records'));
    expect(config.files.forecastDir).toBe(join(home, 'forecasts', 'live'));
    expect(config.files.logDir).toBe(join(home, '..', 'logs-of-home'));
  });

  it("a .env others can read, found from another directory: the fix names the home's file by its full path", () => {
    const home = dir();
    const file = join(home, '.env');
    writeFileSync(file, 'MAX_LEVERAGE=1\n');
    chmodSync(file, 0o644);
    expect(loadConfig({ cwd: home, env: {}, workingDir: dir() }).permissionWarning).toMatch(new RegExp(`Fix: chmod 600 ${file}$`));
    expect(loadConfig({ cwd: home, env: {}, workingDir: home }).permissionWarning).toMatch(/Fix: chmod 600 \.env$/);
  });
});
