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
 * Every form in which a secret may be written out by something that encodes it, whatever its letters: as is;
 * percent-encoded (in a URL: encodeURIComponent, encodeURI, form encoding with `+` for a space, lower-case hex);
 * each of those escaped inside a JSON string (with or without \u escapes) and for HTML (an email part); as UTF-8
 * mistaken for Latin-1; and in base64 (see base64Forms).
 */
export function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const written of [secret, ...urlEncodedForms(secret)]) {
      forms.add(written);
      forms.add(JSON.stringify(written).slice(1, -1));
      forms.add(asciiJson(written));
      forms.add(written.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c));
    }
    // Its UTF-8 bytes read back as Latin-1, as a server or a log viewer that guesses the encoding shows them.
    forms.add(Buffer.from(secret, 'utf8').toString('latin1'));
    for (const form of base64Forms(secret)) forms.add(form);
  }
  return [...forms].filter((f) => f !== '');
}

/** The ways a URL or a form percent-encodes a string. */
function urlEncodedForms(secret: string): string[] {
  const component = encodeURIComponent(secret);
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  const lower = (text: string): string => text.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
  const uri = safely(() => encodeURI(secret));
  const forms = [component, component.replace(/%20/g, '+'), form, ...(uri === undefined ? [] : [uri])];
  return [...forms, ...forms.map(lower)];
}

function safely(encode: () => string): string | undefined {
  try {
    return encode();
  } catch {
    return undefined; // a lone surrogate: no such form
  }
}

/** Inside a JSON string written by a serializer that escapes everything outside printable ASCII. */
function asciiJson(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Shorter runs of base64 letters than this are not masked on their own: they could be anyone's text. */
const MIN_BASE64_CORE = 8;

/**
 * The secret in base64 and base64url: encoded on its own (with and without padding, as AUTH LOGIN sends a
 * password), and the letters it always encodes to inside a longer base64 text, at each of the three offsets its
 * bytes may start at (as AUTH PLAIN sends "\0user\0password", or a serialized buffer, a Basic header...).
 */
export function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms: string[] = [];
  for (const alphabet of ['base64', 'base64url'] as const) {
    const whole = bytes.toString(alphabet);
    forms.push(whole, whole.replace(/=+$/, ''));
    for (const offset of [0, 1, 2]) {
      const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString(alphabet);
      // Letter i holds bits 6i..6i+5: keep the letters made of the secret's bits alone.
      const core = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
      if (core.length >= MIN_BASE64_CORE) forms.push(core);
    }
  }
  return forms;
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
