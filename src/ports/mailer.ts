/** An image shown inside the HTML body, which refers to it as `<img src="cid:{cid}">`. */
export interface InlineAttachment {
  /** Content-ID, unique within the message: letters, digits, dots, dashes and @ only. */
  cid: string;
  filename: string;
  content: Buffer;
  /** MIME type, e.g. image/png. */
  contentType: string;
}

/** A file attached for download (e.g. the daily summary's full tables as CSV), not shown in the body. */
export interface FileAttachment {
  filename: string;
  content: Buffer;
  /** MIME type, e.g. text/csv; charset=utf-8. */
  contentType: string;
}

/**
 * An email to send: a subject, a plain-text body, an optional HTML body, the images it shows inline and the files
 * attached to it.
 */
export interface MailMessage {
  subject: string;
  text: string;
  html?: string;
  /** Sent as multipart/related with the HTML part, so mail clients show them in place, not as downloads. */
  attachments?: InlineAttachment[];
  /** Sent as ordinary attachments (Content-Disposition: attachment), in the outbox's .eml files too. */
  files?: FileAttachment[];
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
