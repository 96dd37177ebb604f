import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two lanes. A test lands in one by where it is and what it is called:
 * - `system`: the folders below, files named `tcp-*.test.ts` or `*.system.test.ts`:
 *   they use the built command (dist/, which `npm test` builds first), child processes, or sockets (the
 *   simulated gateway, SMTP and HTTP servers on loopback).
 * - `unit` (`npm run test:unit`, no build): every other test. Pure and in-memory, SQLite on temporary files at
 *   most; test/support/unit-lane.ts fails a test there that starts a process or opens a socket.
 * `npm test` builds, then runs both.
 */
const SYSTEM = [
  'test/{e2e,faults,gateway,integration,properties,security}/**/*.test.ts',
  'test/**/tcp-*.test.ts',
  'test/**/*.system.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SYSTEM],
          setupFiles: ['test/support/unit-lane.ts'],
          // One process per worker for all its files, not one per file: less than half the CPU time. A unit test
          // leaves nothing behind for the next file (what it changes in process.env or the timers it puts back).
          isolate: false,
        },
      },
      {
        extends: true,
        test: { name: 'system', include: SYSTEM },
      },
    ],
  },
});
