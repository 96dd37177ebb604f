/**
 * The shipped program: `src/cli/rebalancer.ts` (then main.ts) bundled into dist/cli/rebalancer.js (package.json's `bin`), run by
 * `npm run build` after tsc (tsc's output in dist/src stays for the type-checked build, the jobs, the benchmarks).
 * Node loads a few large files instead of about 200 small ones (`status` starts in half the time). Each command's
 * own modules stay in chunks (dist/cli/chunks/) imported when it runs, as the `await import()` in main.ts ask.
 * Source maps beside each file name the TypeScript sources (see main.ts: which commands turn them on).
 *
 * Left in node_modules, loaded from there at run time:
 * - better-sqlite3, @napi-rs/canvas: native addons, found by path from their own package;
 * - @fontsource/*: font files, found with require.resolve (report/nlv-chart.ts);
 * - @stoqey/ib: adapters/ib/library-config.ts requires its configuration module by path before the first
 *   connection (so that its dotenv does not leak .env into process.env): it must be the very module the client uses;
 * - pino: required at run time by log/logger.ts (its worker files are found by path);
 * - node-cron: finds its daemon file from its own module file.
 */
import { defineConfig } from 'rolldown';

const EXTERNAL = [/^better-sqlite3(\/|$)/, /^@napi-rs\//, /^@fontsource\//, /^@stoqey\/ib(\/|$)/, /^pino(\/|$)/, /^node-cron(\/|$)/];

export default defineConfig({
  input: { rebalancer: 'src/cli/rebalancer.ts' },
  platform: 'node',
  external: EXTERNAL,
  // A warning (an import it could not resolve, an eval, ...) fails the build: the bundle is what ships.
  onLog(level, log, handler) {
    handler(level === 'warn' ? 'error' : level, log);
  },
  output: {
    dir: 'dist/cli',
    format: 'esm',
    sourcemap: true,
    // Short local names, no comments or indentation: a tenth less of start-up (less text for Node to read and parse).
    // No compression (rewriting of the code itself): what runs is the code as written.
    minify: { compress: false, mangle: true, codegen: { removeWhitespace: true } },
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    cleanDir: true,
    // Functions and classes keep their names (stack traces, the log's error type), whatever the bundle renames.
    keepNames: true,
  },
});
