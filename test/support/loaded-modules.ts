/**
 * Which modules a command of the built CLI loads: the command runs as a child process with a module hook
 * (`--import`, then `module.register`) that appends the URL of every module it loads to a file, ES modules and
 * CommonJS entry points alike; the CommonJS modules those require are read from the require cache at exit.
 * The CLI is a bundle: each of its files loaded stands for the modules bundled into it, which its source map lists
 * (src/... and node_modules/... files, as URLs like those of the modules loaded from node_modules).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { CLI, type CliResult } from './cli.js';

/** Runs in the hooks' thread: every module loaded, one URL a line, to MODULE_LOG_FILE. */
const HOOKS = `
import { appendFileSync } from 'node:fs';
const file = process.env.MODULE_LOG_FILE;
export async function load(url, context, next) {
  appendFileSync(file, url + '\\n');
  return next(url, context);
}`;

/** Runs in the CLI's process before its first module: the hooks, and the require cache at exit. */
const PRELOAD = `
import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}));
const require = createRequire('/');  // the cache is the process's, whatever the base
process.on('exit', () => {
  appendFileSync(process.env.MODULE_LOG_FILE, Object.keys(require.cache).map((f) => 'file://' + f + '\\n').join(''));
});`;

export interface ModuleRecord extends CliResult {
  /** Every module URL loaded, once each; for a file of the bundle, the file and then each module bundled into it. */
  modules: string[];
  /** The files of the bundle (dist/cli/) loaded. */
  bundleFiles: string[];
  /** The modules bundled into those files (from their source maps), as opposed to those Node loaded as files. */
  bundled: string[];
}

/** The bundle's files: the entry and its chunks. */
const BUNDLE_DIR = dirname(CLI);

/**
 * The modules bundled into a file of the bundle, as file URLs, from its source map. A file with no map holds no
 * module of its own (rolldown's runtime helpers, or a chunk that only re-exports another).
 */
function bundledModules(url: string): string[] {
  const map = `${fileURLToPath(url)}.map`;
  if (!existsSync(map)) return [];
  const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] };
  return sources.map((source) => pathToFileURL(resolve(dirname(map), source)).href);
}

/** The packages among the modules loaded: `@scope/name` or `name`, once each. */
export function packagesOf(modules: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const url of modules) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (match?.[1] !== undefined) names.add(match[1]);
  }
  return names;
}

/** Runs the built `rebalancer` with `args` in `cwd` with only `env` (plus PATH), recording the modules it loads. */
export function runCliRecordingModules(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<ModuleRecord> {
  const log = join(mkdtempSync(join(tmpdir(), 'rebalancer-modules-')), 'modules.txt');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(PRELOAD)}`, CLI, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', TZ: process.env.TZ ?? 'UTC', ...options.env, MODULE_LOG_FILE: log },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rebalancer ${args.join(' ')} did not finish in time\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        const loaded = [
          ...new Set(
            readFileSync(log, 'utf8')
              .split('\n')
              .filter((l) => l !== ''),
          ),
        ];
        const bundleFiles = loaded.filter((url) => url.startsWith('file://') && fileURLToPath(url).startsWith(BUNDLE_DIR + '/'));
        const modules = [...new Set(loaded.flatMap((url) => (bundleFiles.includes(url) ? [url, ...bundledModules(url)] : [url])))];
        const bundled = [...new Set(bundleFiles.flatMap(bundledModules))];
        resolvePromise({ code, stdout, stderr, modules, bundleFiles, bundled });
      } catch (error) {
        reject(new Error(`no modules recorded (${String(error)}) for rebalancer ${args.join(' ')}\n${stdout}\n${stderr}`));
      }
    });
  });
}
