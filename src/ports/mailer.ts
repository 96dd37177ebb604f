/** An email to send: a subject, a plain-text body and an optional HTML body. */
export interface MailMessage {
  subject: string;
  text: string;
  html?: string;
}

export type MailOutcome =
  | { status: 'sent'; messageId?: string }
  | { status: 'queued'; file: string; reason: string };

/** The mail port. `send` never rejects: a failure becomes a queued .eml in the outbox. */
export interface Mailer {
  send(message: MailMessage): Promise<MailOutcome>;
}
