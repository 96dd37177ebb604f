/**
 * Secrets in the configuration: how a value is quoted in an error (a secret never is), and the strings that
 * logs, emails and console output must mask once the configuration is loaded.
 */
import { redactSecrets, secretForms } from '../log/redact.js';

/**
 * How a bad value is quoted in a message: secrets never are, and neither is the password of a
 * `scheme://user:password@host` URL put in the wrong variable (masked before the value is shortened, so a
 * cut cannot leave half a password unmasked).
 */
export function showValue(raw: string, secret: boolean): string {
  if (secret) return '(value hidden)';
  const masked = redactSecrets(raw, []);
  const shown = masked.length > 80 ? `${masked.slice(0, 77)}...` : masked;
  return `(got ${JSON.stringify(shown)})`;
}

/** The settings that hold secrets (a Config has them). */
export interface SecretSettings {
  email: { smtpUrl?: string };
  schedule: { heartbeatUrl?: string };
  /** The push services' URLs and token (optional here, so that settings without them still fit). */
  push?: { webhookUrl?: string; ntfyUrl?: string; ntfyToken?: string };
  /** The Flex Web Service token (optional here, so that settings without it still fit). */
  flex?: { token?: string };
}

/**
 * Strings to mask in logs, emails and console output, in every form they may be written in (see secretForms):
 * the SMTP URL and its password (as written and decoded, and as SMTP's AUTH PLAIN sends it with the user), and
 * the heartbeat URL with its tokens: every path segment and query value of TOKEN_MIN_LENGTH characters or more
 * but a plain lowercase word (a healthchecks.io UUID, a Cronitor or Uptime Kuma key of letters only), and its path
 * with the query, so that the token stays hidden however the URL is spelt in a message, even behind another host;
 * the push webhook's URL and ntfy's (server and topic) alike, and ntfy's access token; and the Flex Web Service token.
 */
export function secretsOf(config: SecretSettings): string[] {
  const secrets = new Set<string>();
  // The heartbeat URL, the push webhook's and ntfy's (whose topic works as a password): each with its tokens.
  for (const tokenUrl of [config.schedule.heartbeatUrl, config.push?.webhookUrl, config.push?.ntfyUrl]) {
    if (tokenUrl !== undefined) addTokenUrl(secrets, tokenUrl);
  }
  const ntfyToken = config.push?.ntfyToken;
  if (ntfyToken !== undefined) secrets.add(ntfyToken);
  const smtp = config.email.smtpUrl;
  if (smtp !== undefined) {
    secrets.add(smtp);
    const url = parseUrl(smtp);
    if (url !== undefined) {
      secrets.add(url.href);
      addPassword(secrets, url);
      if (url.password !== '') {
        // AUTH PLAIN, whole: base64 of "\0user\0password" (and with the user as authorization id too).
        const user = decodeSafely(url.username);
        const password = decodeSafely(url.password);
        for (const plain of [`\0${user}\0${password}`, `${user}\0${user}\0${password}`]) {
          secrets.add(Buffer.from(plain, 'utf8').toString('base64'));
        }
      }
    }
  }
  // The Flex token travels in SendRequest's and GetStatement's query strings: masked in every form it may take.
  const flexToken = config.flex?.token;
  if (flexToken !== undefined) secrets.add(flexToken);
  return secretForms([...secrets].filter((s) => s !== ''));
}

/** A URL that carries a token, and its tokens (see secretsOf). */
function addTokenUrl(secrets: Set<string>, text: string): void {
  secrets.add(text);
  const url = parseUrl(text);
  if (url === undefined) return;
  secrets.add(url.href);
  addPassword(secrets, url);
  if (url.pathname.length >= TOKEN_MIN_LENGTH) secrets.add(`${url.pathname}${url.search}`);
  const parts = [...url.pathname.split('/'), ...[...url.searchParams.values()]];
  for (const part of parts) {
    const decoded = decodeSafely(part);
    if (decoded.length >= TOKEN_MIN_LENGTH && !isPlainWord(decoded)) secrets.add(part).add(decoded);
  }
}

/**
 * Path segments and query values of the heartbeat URL this long or longer are masked as tokens. Shorter ones
 * (`ping`, `{exit}`, `up`) are words of the protocol, masked only as part of the URL.
 */
export const TOKEN_MIN_LENGTH = 8;

/**
 * A lowercase word or slug (`rebalancer`, `my-account`): a name a person chose for a check, not a token, and
 * masking it would mask that word everywhere (the "[rebalancer]" of every subject). A token of letters only is
 * random: mixed case, or longer than any slug (healthchecks.io ping keys are 22 characters of base64url).
 */
function isPlainWord(part: string): boolean {
  return part.length <= 20 && /^[a-z]+(?:[-_][a-z]+)*$/.test(part);
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined; // the schema accepted it as a URL, so this cannot happen; the whole URL is masked anyway
  }
}

function addPassword(secrets: Set<string>, url: URL): void {
  if (url.password === '') return;
  secrets.add(url.password);
  secrets.add(decodeSafely(url.password));
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
