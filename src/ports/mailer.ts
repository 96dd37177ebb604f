/** An image shown inside the HTML body, which refers to it as `<img src="cid:{cid}">`. */
export interface InlineAttachment {
  /** Content-ID, unique within the message: letters, digits, dots, dashes and @ only. */
  cid: string;
  filename: string;
  content: Buffer;
  /** MIME type, e.g. image/png. */
  contentType: string;
}

/** An email to send: a subject, a plain-text body, an optional HTML body and the images it shows inline. */
export interface MailMessage {
  subject: string;
  text: string;
  html?: string;
  /** Sent as multipart/related with the HTML part, so mail clients show them in place, not as downloads. */
  attachments?: InlineAttachment[];
}

export type MailOutcome = { status: 'sent'; messageId?: string } | { status: 'queued'; file: string; reason: string };

/** The mail port. `send` never rejects: a failure becomes a queued .eml in the outbox. */
export interface Mailer {
  send(message: MailMessage): Promise<MailOutcome>;
  /**
   * Send what waits in the outbox now (with an SMTP server configured), so an alert queued during an outage
   * goes out with the next run rather than with the next email. Never rejects: returns how many went out.
   */
  flushOutbox?(): Promise<{ sent: number; waiting: number }>;
}
