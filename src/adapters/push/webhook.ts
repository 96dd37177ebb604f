import type { Push, PushMessage } from '../../ports/push.js';
import { redactDeep, redactSecrets } from '../../log/redact.js';
import { requestOnce } from '../http/request-once.js';

export interface WebhookOptions {
  /** PUSH_WEBHOOK_URL: http or https, requested as given (it may carry a token). */
  url: string;
  /** PUSH_TIMEOUT_MS: the whole request. */
  timeoutMs: number;
  /** Masked in what is sent and in the reason of a failure (see secretsOf). */
  secrets: readonly string[];
}

/** The JSON a webhook receives: the run's outcome as fields, and the short text a person reads. */
export function webhookBody(message: PushMessage): string {
  return JSON.stringify({
    account: message.account,
    runId: message.runId,
    outcome: message.outcome,
    exitCode: message.exitCode,
    tradingState: message.tradingState,
    breaches: message.breaches.map((b) => ({ code: b.code, symbol: b.symbol ?? null, detail: b.detail })),
    error: message.error ?? null,
    at: message.at,
    title: message.title,
    text: message.text,
  });
}

/** A generic webhook: one POST of the message as JSON (Content-Type application/json), once, within the deadline. */
export function webhookPush(o: WebhookOptions): Push {
  return {
    name: 'webhook',
    async send(message) {
      const body = webhookBody(redactDeep(message, o.secrets) as PushMessage);
      const sent = await requestOnce(new URL(o.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        timeoutMs: o.timeoutMs,
      });
      return sent.ok ? { ok: true } : { ok: false, reason: redactSecrets(sent.reason, o.secrets) };
    },
  };
}
