import { writeFileSync } from 'node:fs';
import { ExitCode } from '../../errors.js';
import { isTradingDay, previousTradingDay } from '../../core/calendar.js';
import { sessionOn, type SessionRules } from '../../core/session.js';
import { dayMarks } from '../../core/phase.js';
import { drawReportCharts } from '../../report/send-daily-report.js';
import { loadDailyReport, reportAsOf, type ReportKind } from '../../report/daily-report-data.js';
import { formatClock, formatWhen } from '../../report/format.js';
import { renderDailyReport } from '../../report/render-daily-report.js';
import type { ReportStore } from '../../ports/store.js';
import { createMailerFor, databaseFile, existingDatabase, noRecordsYet, openApp, openStores } from '../../app/compose.js';
import { findHome, HomeError } from '../../config/home.js';
import type { CommandIo } from './command-io.js';

export interface ReportCommandOptions {
  kind: ReportKind;
  now: string;
  /** Trading day (yyyy-MM-dd); default the latest trading day with runs at or before `now`. */
  day?: string;
  send: boolean;
  /** Also write the HTML part to this file, standing alone (the charts embedded), to look at it in a browser. */
  html?: string;
}

/** How many days with runs to look through for a trading day (weekend and holiday runs are on other days). */
const DAYS_TO_LOOK_AT = 30;

const KIND_EMAIL = { start: 'start-of-day', mid: 'mid-day', end: 'end-of-day' } as const;

/** The latest trading day with runs at or before `now`, if any. */
function latestDayWithRuns(reports: ReportStore, now: string, rules: SessionRules): string | undefined {
  return reports.runDaysOnOrBefore(now, DAYS_TO_LOOK_AT).find((day) => /^\d{4}-\d{2}-\d{2}$/.test(day) && isTradingDay(day, rules));
}

/**
 * `rebalancer report --kind start|mid|end [--send]`: render a daily summary from the records, on demand, with the
 * content of that kind (report-view.ts, KIND_CONTENT), as of the moment its scheduled email describes (the first
 * run at or after the open, or the midpoint; the end of day: now). Without `--day`, the latest trading day with
 * runs at or before `now`; no such day is exit 2. It prints the subject and the text part (the email's: its tables
 * within BODY_LIMITS) and the names of the CSV files the email attaches; `--send` mails it too, CSV files attached;
 * `--html FILE` writes the HTML part as a file that stands alone (the charts embedded as data: URIs, every row of
 * every table, no attachment). An on-demand
 * email is not recorded as the day's email, so the scheduled one still goes out.
 */
export async function reportCommand(io: CommandIo, options: ReportCommandOptions): Promise<ExitCode> {
  const home = findHome(io.cwd, io.env, { mayCreate: false });
  const app = openApp(home.dir, io.env, { workingDir: io.cwd });
  if (existingDatabase(app.config) === undefined) throw new HomeError(noRecordsYet(app.config));
  const stores = openStores(app.config);
  try {
    // The calendar of the records: the liquid hours IB last gave for the managed contracts, else the NYSE rules.
    const rules = stores.recordedSessionRules();
    const when = formatWhen(options.now);
    const tradingDay = options.day ?? latestDayWithRuns(stores.reports, options.now, rules);
    if (tradingDay === undefined) {
      io.err(`no runs recorded at or before ${when} (${options.now}) in ${databaseFile(app.config)}: nothing to report`);
      return ExitCode.usage;
    }
    const runs = stores.reports.runsOn(tradingDay, options.now);
    if (options.day !== undefined && runs.length === 0) {
      const latest = latestDayWithRuns(stores.reports, options.now, rules);
      io.err(
        `--day ${tradingDay}: no runs recorded on that day at or before ${when}: nothing to report` +
          (latest === undefined ? '' : ` (the latest trading day with runs is ${latest})`),
      );
      return ExitCode.usage;
    }
    if (options.day === undefined) io.out(`day ${tradingDay}: the latest trading day with runs at or before ${when}`);
    const session = sessionOn(tradingDay, rules);
    const marks = session === undefined ? undefined : dayMarks(session);
    const asOf = reportAsOf(
      options.kind,
      runs.map((r) => r.startedAt),
      marks,
      options.now,
    );
    if (options.kind !== 'end') {
      const moment = options.kind === 'start' ? 'the open' : 'the midpoint';
      io.out(
        asOf.run === undefined
          ? `as of ${when}: no run at or after ${moment} yet, the day so far`
          : `as of the run of ${formatClock(asOf.run)} ET, the first at or after ${moment}, as the ${KIND_EMAIL[options.kind]} email`,
      );
    }
    // The account the records belong to (claimed by their first run), else the configured one.
    const account =
      stores.store.recordsOwner()?.account ?? app.config.broker.ibAccount ?? `${app.config.broker.kind} account (id not recorded yet)`;
    const data = loadDailyReport(stores.reports, {
      kind: options.kind,
      tradingDay,
      now: asOf.at,
      account,
      previousTradingDay: (day) => previousTradingDay(day, rules),
    });
    const charts = await drawReportCharts(data);
    const message = renderDailyReport(data, charts);
    io.out('', `Subject: ${message.subject}`, '', message.text);
    const files = (message.files ?? []).map((f) => f.filename);
    if (files.length > 0) io.out(`The email attaches ${files.join(', ')}: every row. --html FILE writes every row in one file.`);
    if (options.html !== undefined) {
      // One file that stands alone: the same report with the charts embedded, nothing to fetch.
      writeFileSync(options.html, renderDailyReport(data, charts, 'embedded').html ?? '');
      io.out(`HTML written to ${options.html} (one file, the charts embedded, every row of every table)`);
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
