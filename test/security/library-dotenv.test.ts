import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const MODULE = resolve(import.meta.dirname, '../../dist/src/adapters/ib/library-config.js');

describe("@stoqey/ib's own .env loading", () => {
  it('leaves no variable of .env in process.env once the library configuration is loaded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebalancer-libenv-'));
    writeFileSync(join(dir, '.env'), 'SMTP_URL=smtp://u:s3cret-pass@127.0.0.1:2525\nIB_PORT=4999\n', { mode: 0o600 });
    // A fresh process in that directory, where the library's lazy dotenv would read this .env.
    const probe = (contain: boolean): { smtp: string | null; port: string | null } => {
      const script = `
        const { loadLibraryConfigWithoutEnvLeak } = await import(${JSON.stringify(MODULE)});
        const { createRequire } = await import('node:module');
        if (${contain}) loadLibraryConfigWithoutEnvLeak();
        // What the library does on connect: read its configuration.
        void createRequire(${JSON.stringify(MODULE)})('@stoqey/ib/dist/common/configuration').default.client_version;
        console.log(JSON.stringify({ smtp: process.env.SMTP_URL ?? null, port: process.env.IB_PORT ?? null }));
      `;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '' },
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout.trim()) as { smtp: string | null; port: string | null };
    };
    // The trap is real: left alone, the library puts the password into process.env.
    expect(probe(false).smtp).toBe('smtp://u:s3cret-pass@127.0.0.1:2525');
    expect(probe(true)).toEqual({ smtp: null, port: null });
  });
});
