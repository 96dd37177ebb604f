import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultEnv, loadConfig } from '../../src/config/load-config.js';
import { VARIABLES, variableMeta } from '../../src/config/schema.js';

const example = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.env.example'), 'utf8');
const settingLines = [...example.matchAll(/^# ([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => ({ name: m[1] ?? '', value: m[2] ?? '' }));

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'rebalancer-example-'));
});
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
});

describe('.env.example', () => {
  it('documents every variable exactly once, with its default', () => {
    expect(settingLines.map((l) => l.name).sort()).toEqual([...VARIABLES].sort());
    for (const { name, value } of settingLines) {
      const meta = variableMeta(name as (typeof VARIABLES)[number]);
      expect(value, name).toBe(meta.envDefault ?? '');
    }
  });

  it('sets nothing while copied as is', () => {
    writeFileSync(join(cwd, '.env'), example);
    const copied = loadConfig({ cwd, env: {} });
    expect(copied.config).toEqual(loadConfig({ cwd, env: {} }).config);
    expect(copied.warnings).toEqual([]);
  });

  it('changes nothing when every line is uncommented', () => {
    const uncommented = settingLines.map((l) => `${l.name}=${l.value}`).join('\n');
    writeFileSync(join(cwd, '.env'), uncommented);
    const fromFile = loadConfig({ cwd, env: {} });
    rmSync(join(cwd, '.env'));
    expect(fromFile.config).toEqual(loadConfig({ cwd, env: {} }).config);
  });

  it('agrees with defaultEnv()', () => {
    const withDefaults = Object.fromEntries(settingLines.filter((l) => l.value !== '').map((l) => [l.name, l.value]));
    expect(withDefaults).toEqual(defaultEnv());
  });
});
