/** Masking of secrets in any text that leaves the process: log lines, email bodies, error reasons. */

export const MASK = '***';

/**
 * `scheme://user:password@` — the password part, whatever the scheme, even if nobody listed it. Like a URL
 * parser, it splits user and password at the first `:` and the credentials from the host at the last `@`, so
 * an unencoded `@` in either (`smtp://me@gmail.com:p@ss@smtp.gmail.com`) leaves no part of the password.
 */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#]*:)([^\s/?#]+)@/gi;

/**
 * Replaces every occurrence of each non-empty secret with `***` (longest first, so a secret that contains
 * another is masked whole), then the password of any `scheme://user:password@host` URL.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const ordered = [...new Set(secrets)].filter((s) => s !== '').sort((a, b) => b.length - a.length);
  for (const secret of ordered) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out.replace(URL_PASSWORD, `$1${MASK}@`);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Every form in which a secret may be written out by something that encodes it: as is, percent-encoded (in a
 * URL), escaped inside a JSON string (a log line, a serialized error), escaped for HTML (an email part), and
 * as UTF-8 mistaken for Latin-1.
 */
export function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(secret.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c));
    // Its UTF-8 bytes read back as Latin-1, as a server or a log viewer that guesses the encoding shows them.
    forms.add(Buffer.from(secret, 'utf8').toString('latin1'));
  }
  return [...forms];
}

/** The forms a secret takes once escaped inside a JSON string, for masking serialized text. */
export function jsonEscapedForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  return [...forms];
}

/**
 * A deep copy of a value with every string redacted. Errors stay errors (same prototype, so their type name
 * survives serialization) with message, stack, cause and own properties redacted. Cycles are cut.
 */
export function redactDeep(value: unknown, secrets: readonly string[], seen = new WeakMap<object, unknown>()): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (value === null || typeof value !== 'object') return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (value instanceof Error) {
    const copy = Object.create(Object.getPrototypeOf(value) as object | null) as Error;
    seen.set(value, copy);
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key !== 'string') continue;
      // `stack` may be an accessor: read it, and keep it (non-)enumerable as it was.
      const enumerable = Object.getOwnPropertyDescriptor(value, key)?.enumerable ?? false;
      const item: unknown = (value as unknown as Record<string, unknown>)[key];
      Object.defineProperty(copy, key, { value: redactDeep(item, secrets, seen), enumerable, writable: true, configurable: true });
    }
    return copy;
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(redactDeep(item, secrets, seen));
    return copy;
  }
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json: unknown = toJSON.call(value);
    return redactDeep(json, secrets, seen);
  }
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const [key, item] of Object.entries(value)) copy[key] = redactDeep(item, secrets, seen);
  return copy;
}
