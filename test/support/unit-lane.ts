/**
 * Setup file of the `unit` lane (see vitest.config.ts): its tests run in memory, on temporary files at most.
 * Starting a child process, listening on a socket or connecting to one fails the test at once, saying why, so
 * that a test needing them goes to the `system` lane (a system folder, or a name `tcp-*.test.ts` or
 * `*.system.test.ts`) instead of slowing down, or depending on a build for, the lane that runs on every save.
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

function refuse(what: string): never {
  throw new Error(
    `${what} in the unit lane: this lane runs no process, no socket and no build. Move the test to the system lane: ` +
      'a folder listed there in vitest.config.ts, or a file name ending in .system.test.ts.',
  );
}

const processStarters = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;
for (const name of processStarters) {
  (childProcess as unknown as Record<string, unknown>)[name] = () => refuse(`child_process.${name}`);
}
net.Server.prototype.listen = function listen(): never {
  return refuse('Listening on a socket');
};
net.Socket.prototype.connect = function connect(): never {
  return refuse('Connecting a socket');
};
// The named ESM exports of node:child_process (`import { spawn } from ...`) follow the patched module object.
syncBuiltinESMExports();
