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
}

/**
 * Strings to mask in logs, emails and console output, in every form they may be written in (see secretForms):
 * the SMTP URL and its password (as written and decoded), and the heartbeat URL with its tokens (path segments
 * and query values of 10 characters or more that contain a digit, such as a healthchecks.io UUID or ping key),
 * so that the token stays hidden however the URL is spelt in a message.
 */
export function secretsOf(config: SecretSettings): string[] {
  const secrets = new Set<string>();
  const heartbeat = config.schedule.heartbeatUrl;
  if (heartbeat !== undefined) {
    secrets.add(heartbeat);
    const url = parseUrl(heartbeat);
    if (url !== undefined) {
      secrets.add(url.href);
      addPassword(secrets, url);
      const parts = [...url.pathname.split('/'), ...[...url.searchParams.values()]];
      for (const part of parts) {
        const decoded = decodeSafely(part);
        if (decoded.length >= 10 && /\d/.test(decoded)) secrets.add(part).add(decoded);
      }
    }
  }
  const smtp = config.email.smtpUrl;
  if (smtp !== undefined) {
    secrets.add(smtp);
    const url = parseUrl(smtp);
    if (url !== undefined) {
      secrets.add(url.href);
      addPassword(secrets, url);
    }
  }
  return secretForms([...secrets].filter((s) => s !== ''));
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
