import { createRequire } from 'node:module';

let loaded = false;

/**
 * @stoqey/ib reads its defaults lazily, and the first read runs `dotenv.config()`: it loads the `.env` of the
 * working directory into `process.env`, SMTP password included, where any child process would inherit it.
 * We load that configuration ourselves, once, before the first connection, and take back every variable
 * it added. (We pass host, port, client id and pacing explicitly, so none of its defaults is used.)
 */
export function loadLibraryConfigWithoutEnvLeak(env: NodeJS.ProcessEnv = process.env): void {
  if (loaded) return;
  loaded = true;
  const before = new Set(Object.keys(env));
  const require = createRequire(import.meta.url);
  const module = require('@stoqey/ib/dist/common/configuration') as { default: Record<string, unknown> };
  // Any property read makes the lazy configuration load (and run dotenv).
  void module.default.client_version;
  for (const key of Object.keys(env)) if (!before.has(key)) delete env[key];
}
