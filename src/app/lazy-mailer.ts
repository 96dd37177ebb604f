/**
 * The mailer, loaded when an email is first sent or the outbox has something to send: nodemailer costs about
 * 70 ms and 15 MB at start-up, and most commands and most runs send no email.
 */
import { readdir } from 'node:fs/promises';
import type { CreateMailerOptions } from '../adapters/email/create-mailer.js';
import type { MailMessage, Mailer, MailOutcome } from '../ports/mailer.js';

/** The outbox's waiting emails (.eml files; none when it does not exist or cannot be read). */
async function waitingIn(outboxDir: string): Promise<number> {
  return readdir(outboxDir).then(
    (names) => names.filter((n) => n.endsWith('.eml')).length,
    () => 0,
  );
}

export function lazyMailer(options: CreateMailerOptions): Mailer {
  let loaded: Promise<Mailer> | undefined;
  const mailer = (): Promise<Mailer> => (loaded ??= import('../adapters/email/create-mailer.js').then((m) => m.createMailer(options)));
  return {
    async send(message: MailMessage): Promise<MailOutcome> {
      try {
        return await (await mailer()).send(message);
      } catch (error) {
        // The module could not be loaded: the port still promises never to reject.
        const why = error instanceof Error ? error.message : String(error);
        return { status: 'queued', file: options.outboxDir, reason: `could not load the mailer: ${why}` };
      }
    },
    async flushOutbox(): Promise<{ sent: number; waiting: number }> {
      // Nothing to send, or nowhere to send it: the mailer would answer this without a connection.
      const waiting = await waitingIn(options.outboxDir);
      if (waiting === 0 || options.smtpUrl === undefined) return { sent: 0, waiting };
      try {
        return (await (await mailer()).flushOutbox?.()) ?? { sent: 0, waiting };
      } catch {
        return { sent: 0, waiting };
      }
    },
  };
}
