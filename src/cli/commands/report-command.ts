import { writeFileSync } from 'node:fs';
import { ExitCode } from '../../errors.js';
import { isTradingDay, previousTradingDay } from '../../core/calendar.js';
import { tradingDayOf } from '../../core/session.js';
import { prepareDailyReport } from '../../report/send-daily-report.js';
import type { ReportKind } from '../../report/daily-report-data.js';
import { createMailerFor, existingDatabase, noRecordsYet, openApp, openStores } from '../../app/compose.js';
import { findHome, HomeError } from '../../config/home.js';
import type { CommandIo } from './command-io.js';

export interface ReportCommandOptions {
  kind: ReportKind;
  now: string;
  /** Trading day (yyyy-MM-dd); default the latest trading day at `now`. */
  day?: string;
  send: boolean;
  /** Also write the HTML part to this file, to look at it in a browser. */
  html?: string;
}

/**
 * `rebalancer report --kind start|mid|end [--send]`: render a daily summary from the records, on demand.
 * It prints the subject and the text part; `--send` mails it too. An on-demand email is not recorded as the
 * day's email, so the scheduled one still goes out.
 */
export async function reportCommand(io: CommandIo, options: ReportCommandOptions): Promise<ExitCode> {
  const home = findHome(io.cwd, io.env, { mayCreate: false });
  const app = openApp(home.dir, io.env, { workingDir: io.cwd });
  if (existingDatabase(app.config) === undefined) throw new HomeError(noRecordsYet(app.config));
  const stores = openStores(app.config);
  try {
    // The calendar of the records: the liquid hours IB last gave for the managed contracts, else the NYSE rules.
    const rules = stores.recordedSessionRules();
    const today = tradingDayOf(options.now);
    const tradingDay = options.day ?? (isTradingDay(today, rules) ? today : previousTradingDay(today, rules));
    const { message } = await prepareDailyReport(stores.reports, {
      kind: options.kind,
      tradingDay,
      now: options.now,
      account: app.config.broker.ibAccount ?? `${app.config.broker.kind} account`,
      previousTradingDay: (day) => previousTradingDay(day, rules),
    });
    io.out(`Subject: ${message.subject}`, '', message.text);
    if (options.html !== undefined && message.html !== undefined) {
      writeFileSync(options.html, message.html);
      io.out(`HTML part written to ${options.html} (charts are inline attachments, shown by mail clients)`);
    }
    if (options.send) {
      const sent = await createMailerFor(app, options.now).send(message);
      io.out(sent.status === 'sent' ? 'sent' : `queued in ${sent.file} (${sent.reason})`);
    }
    return ExitCode.ok;
  } finally {
    stores.close();
  }
}
