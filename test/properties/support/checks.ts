/**
 * Checks shared by the bad-input properties and the security tests: what a refusal must look like (no stack
 * trace), what a workspace holds afterwards (no order, no simulator state), and the file walk the leak tests grep.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import type { CliResult } from '../../support/cli.js';

/**
 * A line of a JavaScript stack trace, as Node prints an uncaught error: four spaces, `at `, and a place ending in
 * `:line:column` (or `(native)`, `(<anonymous>)`). Not a wrapped plan reason that happens to start with "at 605.95".
 */
export const STACK_LINE = /^\s+at (?:.*:\d+:\d+\)?|.*\((?:native|<anonymous>)\))$/m;

/** Both streams of a finished command, for assertion messages. */
export function transcriptOf(r: CliResult): string {
  return `exit ${String(r.code)}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** No stack trace on either stream. */
export function expectNoStackTrace(r: CliResult): void {
  expect(r.stdout, transcriptOf(r)).not.toMatch(STACK_LINE);
  expect(r.stderr, transcriptOf(r)).not.toMatch(STACK_LINE);
}

/** Orders recorded in the workspace's database; 0 when there is no database at all. */
export function ordersInDatabase(dataDir: string): number {
  const file = join(dataDir, 'rebalancer.sqlite');
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Every regular file under `dir` (recursively), or none when it does not exist. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (statSync(path).isFile()) out.push(path);
  }
  return out.sort();
}

/** The bytes of a file as latin1 text: every byte maps to one character, so a grep finds ASCII and UTF-8 alike. */
export function readBytes(file: string): string {
  return readFileSync(file).toString('latin1');
}

/** A string's UTF-8 bytes as latin1 text, to search for it in readBytes output. */
export function asBytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/**
 * The seed of every property here: the same cases on every run and machine, so a failure reproduces as is.
 * FC_SEED=<n> explores other cases (a failure prints its seed and path).
 */
export const SEED = Number(process.env.FC_SEED ?? 20261123);
