import type { Push, PushMessage } from '../../ports/push.js';
import { redactDeep, redactSecrets } from '../../log/redact.js';
import { requestOnce } from '../http/request-once.js';

export interface NtfyOptions {
  /** NTFY_URL: the server and the topic, https://ntfy.sh/<topic> (the topic works as a password). */
  url: string;
  /** NTFY_TOKEN: an access token (tk_...) for a protected topic, sent as `Authorization: Bearer`. */
  token?: string;
  /** PUSH_TIMEOUT_MS: the whole request. */
  timeoutMs: number;
  /** Masked in what is sent and in the reason of a failure (see secretsOf). */
  secrets: readonly string[];
}

/** ntfy keeps a longer body as an attachment, not as the notification's text: the text is cut well before. */
const MAX_TEXT = 2000;

/**
 * The headers of ntfy's publish API (https://docs.ntfy.sh/publish/): Title, Priority (high for a failed run or a
 * halted account, so the phone rings; default otherwise), Tags (the first an emoji shortcode, shown before the
 * title), and the access token when there is one.
 */
export function ntfyHeaders(message: PushMessage, token?: string): Record<string, string> {
  const urgent = message.outcome === 'FAILED' || message.tradingState === 'HALTED';
  const emoji = message.outcome === 'WARNING' ? 'warning' : urgent ? 'rotating_light' : 'no_entry';
  return {
    'content-type': 'text/plain; charset=utf-8',
    title: asciiHeader(message.title),
    priority: urgent ? 'high' : 'default',
    tags: [emoji, 'rebalancer', message.outcome.toLowerCase()].join(','),
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  };
}

/**
 * A header value fetch sends as is: printable ASCII, one line (HTTP headers are not UTF-8; the title is the
 * account and the outcome, ASCII already, and anything else becomes `?`).
 */
function asciiHeader(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim()
    .slice(0, 200);
}

/** ntfy: one POST of the short text to the topic, once, within the deadline. */
export function ntfyPush(o: NtfyOptions): Push {
  return {
    name: 'ntfy',
    async send(message) {
      const masked = redactDeep(message, o.secrets) as PushMessage;
      const text = masked.text.length > MAX_TEXT ? `${masked.text.slice(0, MAX_TEXT - 3)}...` : masked.text;
      const sent = await requestOnce(new URL(o.url), {
        method: 'POST',
        headers: ntfyHeaders(masked, o.token),
        body: text,
        timeoutMs: o.timeoutMs,
      });
      return sent.ok ? { ok: true } : { ok: false, reason: redactSecrets(sent.reason, o.secrets) };
    },
  };
}
