#!/usr/bin/env node
/**
 * The shipped program's entry (rolldown.config.ts bundles it into dist/cli/rebalancer.js): turns source maps on,
 * then runs the command (main.ts). Node reads a module's source map when it compiles the module, and only if source
 * maps are on by then, hence this module before all the others.
 *
 * On for every command that writes a log (stack traces there name the TypeScript sources, not the bundle's lines);
 * off for `status` and `plan`, read-only commands typed to look, whose start-up reading the maps would slow (about
 * 10-20 ms and 7 MB): an error there prints its message, never a stack. `node --enable-source-maps` turns them on
 * for those too.
 */
const QUICK_COMMANDS = new Set(['status', 'plan']);

if (!QUICK_COMMANDS.has(process.argv[2] ?? '')) {
  // Before the command's modules load: their loading is what first grows the young generation (young-generation.ts).
  // Not for status and plan: they peak far below a run (status at about 70 MB either way), and the cap (node:v8,
  // node:perf_hooks, a GC observer, more collections) is about 5% of their start-up.
  // (Imported here, not above: status and plan do not load node:v8 and node:perf_hooks at all.)
  const { capYoungGeneration } = await import('../app/young-generation.js');
  capYoungGeneration();
  process.setSourceMapsEnabled(true);
}
await import('./main.js');
