/**
 * Where the program is installed: the directory of its package.json, and the program package.json's `bin` names
 * (the bundle, dist/cli/rebalancer.js). Found by walking up from the file of the module that asks, so it holds
 * wherever that module is: a chunk of the bundle, tsc's output (dist/src/...), or the source under the tests.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'ib-rebalancer';

export interface Installation {
  /** The directory of package.json (a clone, or node_modules/ib-rebalancer). */
  dir: string;
  /** The built command (package.json's bin), as cron and the schedule start it. */
  program: string;
}

/** The installation holding `fromUrl` (this module's own file by default). */
export function installation(fromUrl: string = import.meta.url): Installation {
  const start = dirname(fileURLToPath(fromUrl));
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = readManifest(join(dir, 'package.json'));
    if (manifest?.name === PACKAGE_NAME) {
      const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.rebalancer;
      if (bin === undefined) throw new Error(`${join(dir, 'package.json')} names no bin "rebalancer"`);
      return { dir, program: resolve(dir, bin) };
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of ${PACKAGE_NAME} in ${start} or above`);
  }
}

function readManifest(file: string): { name?: string; bin?: string | Record<string, string> } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { name?: string; bin?: string | Record<string, string> };
  } catch {
    return undefined;
  }
}
