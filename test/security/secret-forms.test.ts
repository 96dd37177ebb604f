/**
 * A configured secret is masked in every encoding a protocol carries it in, whatever its letters: as written,
 * percent-encoded (%XX, lower-case hex, `+` for spaces), JSON-escaped (with or without \u escapes), HTML-escaped,
 * base64 (alone, inside a longer base64 text at any offset, and as SMTP's AUTH PLAIN and AUTH LOGIN send it).
 */
import { describe, expect, it } from 'vitest';
import { secretsOf } from '../../src/config/secrets.js';
import { redactSecrets } from '../../src/log/redact.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** The text, and what every run of base64 letters in it decodes to, read from each of its first four letters. */
function revealed(text: string): string {
  const decoded = [...text.matchAll(/[A-Za-z0-9+/]{6,}/g)].flatMap(([run]) =>
    [0, 1, 2, 3].map((offset) => Buffer.from(run.slice(offset), 'base64').toString('latin1')),
  );
  return [text, ...decoded].join('\n');
}

describe('a heartbeat token with no digit', () => {
  const token = 'qwfpgjluyarstdhneiozxcvbkm';
  const secrets = secretsOf({ email: {}, schedule: { heartbeatUrl: `https://hc-ping.com/${token}` } });

  it('is masked on its own, wherever it appears (a redirect to another host, a path, a query)', () => {
    for (const text of [
      `HTTP 302 redirect to https://elsewhere.example/ping/${token} not followed`,
      `see /${token}?x=1`,
      `token=${encodeURIComponent(token)}`,
      b64(token),
    ]) {
      expect(revealed(redactSecrets(text, secrets))).not.toContain(token.slice(4, 20));
    }
  });
});

describe('a heartbeat URL with a slug a person chose', () => {
  const key = 'fqOXhsINzhpHgpRoUwKLmn';
  const secrets = secretsOf({ email: {}, schedule: { heartbeatUrl: `https://hc-ping.com/${key}/rebalancer` } });

  it('masks the key but not the word, which every subject carries', () => {
    const text = redactSecrets(`[rebalancer] DU0000001 FAILED; ping ${key} refused`, secrets);
    expect(text).toContain('[rebalancer] DU0000001 FAILED');
    expect(revealed(text)).not.toContain(key.slice(2, 18));
  });
});

describe('an SMTP password in every form', () => {
  const password = 'correct horse+battery/staple é"&';
  const smtpUrl = `smtps://bot:${encodeURIComponent(password)}@smtp.example.com:465`;
  const secrets = secretsOf({ email: { smtpUrl }, schedule: {} });
  const masked = (text: string): string => redactSecrets(text, secrets);
  const distinctive = ['horse', 'battery', 'staple'];

  const forms: Record<string, string> = {
    plain: password,
    percent: encodeURIComponent(password),
    'percent, lower-case hex': encodeURIComponent(password).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    'form-encoded (+ for space)': new URLSearchParams({ p: password }).toString().slice(2),
    json: JSON.stringify(password).slice(1, -1),
    'json with \\u escapes': JSON.stringify(password)
      .slice(1, -1)
      .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    base64: b64(password),
    'AUTH PLAIN': `AUTH PLAIN ${b64(`\0bot\0${password}`)}`,
    'AUTH PLAIN with an authorization id': b64(`bot\0bot\0${password}`),
    'AUTH LOGIN': `334 UGFzc3dvcmQ6 ${b64(password)}`,
  };
  for (const [name, form] of Object.entries(forms)) {
    it(`is masked ${name}`, () => {
      const out = masked(`535 5.7.8 echo: ${form} end`);
      for (const word of distinctive) expect(revealed(out), out).not.toContain(word);
    });
  }

  it('is masked inside any longer base64 text, at any offset', () => {
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const blob = b64(`${prefix}${password} and more`);
      const out = masked(blob);
      for (const word of distinctive) expect(revealed(out), out).not.toContain(word);
    }
  });

  it('leaves ordinary text alone', () => {
    expect(masked('heartbeat sent; 3 orders; NLV 100,000.00')).toBe('heartbeat sent; 3 orders; NLV 100,000.00');
  });
});
