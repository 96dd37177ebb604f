/**
 * Flex Web Service settings: FLEX_TOKEN and FLEX_QUERY_ID together or not at all, the token a secret in every
 * form, and no statement source without them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flexStatementSource, IB_FLEX_URL } from '../../src/adapters/flex/flex-source.js';
import { loadConfig, secretsOf } from '../../src/config/load-config.js';
import { redactSecrets } from '../../src/log/redact.js';

const TOKEN = '314159265358979323846264';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'rebalancer-flex-config-'));
});
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
});

const load = (env: Record<string, string>) => loadConfig({ cwd, env });

function refusal(env: Record<string, string>): string {
  try {
    load(env);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('accepted');
}

describe('Flex Web Service settings', () => {
  it("default to IB's documented URL and no source", () => {
    const { config } = load({});
    expect(config.flex).toEqual({ token: undefined, queryId: undefined, url: IB_FLEX_URL, timeoutMs: 120000 });
    expect(flexStatementSource(config)).toBeUndefined();
  });

  it('make a source named by its query when both are set', () => {
    const { config } = load({
      FLEX_TOKEN: TOKEN,
      FLEX_QUERY_ID: '908172',
      FLEX_URL: 'http://127.0.0.1:9/AccountManagement/FlexWebService',
    });
    const source = flexStatementSource(config);
    expect(source?.name).toBe('IB Flex Web Service (query 908172)');
    expect(source?.name).not.toContain(TOKEN);
  });

  it('refuse one without the other, and a malformed token without quoting it', () => {
    expect(refusal({ FLEX_TOKEN: TOKEN })).toMatch(/FLEX_QUERY_ID: required when FLEX_TOKEN is set/);
    expect(refusal({ FLEX_QUERY_ID: '908172' })).toMatch(/FLEX_TOKEN: required when FLEX_QUERY_ID is set/);
    const bad = refusal({ FLEX_TOKEN: `${TOKEN}-x`, FLEX_QUERY_ID: '908172' });
    expect(bad).toMatch(/FLEX_TOKEN: must be the Flex Web Service token .*\(value hidden\)/);
    expect(bad).not.toContain(TOKEN);
    expect(refusal({ FLEX_TOKEN: TOKEN, FLEX_QUERY_ID: 'q1' })).toMatch(/FLEX_QUERY_ID: must be the Flex query's Query ID/);
  });

  it('mask the token in logs and messages, in a URL query string too', () => {
    const { config } = load({ FLEX_TOKEN: TOKEN, FLEX_QUERY_ID: '908172' });
    const secrets = secretsOf(config);
    const text = `GET ${IB_FLEX_URL}/SendRequest?t=${TOKEN}&q=908172&v=3 and ${JSON.stringify({ t: TOKEN })}`;
    const masked = redactSecrets(text, secrets);
    expect(masked).not.toContain(TOKEN);
    expect(masked).toContain('q=908172');
  });
});
