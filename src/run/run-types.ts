/**
 * The run's own types: what it needs from the configuration (settings), what it reaches the world through
 * (ports), and what it tells its caller (the result). No behaviour here.
 */
import type { Logger } from 'pino';
import type { OrderUpdatesMode } from '../core/order-updates.js';
import type { StatementSource } from '../ports/statements.js';
import type { Broker } from '../ports/broker.js';
import type { Clock } from '../ports/clock.js';
import type { RunLock } from '../ports/run-lock.js';
import type { ForecastSource } from '../ports/forecast-source.js';
import type { Heartbeat } from '../ports/heartbeat.js';
import type { Push } from '../ports/push.js';
import type { KillSwitch } from '../ports/kill-switch.js';
import type { Mailer } from '../ports/mailer.js';
import type { RecordFiles } from '../ports/record-files.js';
import type { ReportStore, RunStatus, RunStore } from '../ports/store.js';
import type { AdaptivePriority, Breach, BrokerOrder, Execution, Plan, RiskLimits, SizingConfig } from '../core/types.js';
import type { SessionRules } from '../core/session.js';
import type { ExitCode } from '../errors.js';
import type { LedgerState } from './check-ledger.js';

export type CancelScope = 'own' | 'all';

/** What the notifications need from the configuration. */
export interface NotifySettings {
  /** The same alert is not sent again within this many minutes; a summary of the repeats follows. */
  alertRepeatMinutes: number;
  /** IB_ACCOUNT, used in messages when the run never learned the account. */
  expectedAccount?: string;
  /**
   * Set when the run started near IB Gateway's daily restart (IB_RESTART_TIME, outside the window it skips in):
   * the note a failed run's alert carries when the broker failed it (the gateway probably restarted).
   */
  nearGatewayRestart?: string;
}

/** What a run needs from the configuration, in the run's own terms. */
export interface RunSettings {
  brokerName: string;
  expectedAccount?: string;
  tradingMode: 'paper' | 'live';
  cancelScope: CancelScope;
  /**
   * ORDER_UPDATES: 'modify' keeps the orders earlier runs left working until the plan is made, then changes each in
   * place or cancels it (core/order-updates.ts); 'cancel' cancels them all before planning. Default 'modify'.
   */
  orderUpdates?: OrderUpdatesMode;
  /** How old a forecast may be: in trading sessions, in clock hours, or both (forecastAgeLimitOf); neither: 1 session. */
  maxForecastAgeSessions?: number;
  maxForecastAgeHours?: number;
  sizing: SizingConfig;
  limits: RiskLimits;
  adaptivePriority: AdaptivePriority;
  orderStatusWindowMs: number;
  /** No orders in the first / last N minutes of the session (0: none). */
  noTradeFirstMinutes: number;
  noTradeLastMinutes: number;
  /** The run's deadline, from its start: past it no further order is sent (RUN_DEADLINE). */
  runDeadlineMinutes: number;
  /** Before each order: a plan older than this sends nothing more (STALE_PLAN). */
  maxPlanAgeMinutes: number;
  /** The broker's clock more than this many seconds from the machine's blocks the run (CLOCK_SKEW); default 300. */
  maxClockSkewSeconds?: number;
  notify: NotifySettings;
}

/** Everything the run reads or changes in the world. Adapters implement them; only the composition root builds them. */
export interface RunPorts {
  broker: Broker;
  store: RunStore;
  /** The daily reports' queries, on the same database. */
  reports: ReportStore;
  mailer: Mailer;
  killSwitch: KillSwitch;
  records: RecordFiles;
  forecasts: ForecastSource;
  /** Pinged after every run when configured. */
  heartbeat?: Heartbeat;
  /** Push services (PUSH_WEBHOOK_URL, NTFY_URL) when configured: alerts and warnings pushed as they are emailed. */
  push?: readonly Push[];
  /**
   * The broker's statements (IB: the Flex Web Service), when configured: where the executions of orders of earlier
   * days are looked up once the live API no longer shows them. Without it such an order's outcome is Unknown.
   */
  statements?: StatementSource;
  clock: Clock;
  /** The run lock the job holds, checked before every order: a run that lost it sends no more. */
  lock?: Pick<RunLock, 'lost'>;
  /**
   * The calendar used when a run never got as far as reading the contracts' hours (the broker unreachable, a
   * wrong account): the composition root's explicit choice, never a default inside the run.
   */
  fallbackRules: SessionRules;
  logger: Logger;
  /** Readable progress for a person at the console, one line per argument. */
  out: (...lines: string[]) => void;
}

export interface RunOptions extends RunPorts {
  runId: string;
  dryRun: boolean;
  settings: RunSettings;
}

/** What a run did and how it ended: built once, by the run, from what its steps returned. */
export interface RunResult {
  readonly runId: string;
  readonly status: RunStatus;
  readonly exitCode: ExitCode;
  readonly account?: string;
  readonly plan?: Plan;
  readonly breaches: readonly Breach[];
  readonly sent: readonly BrokerOrder[];
  /** Working orders of earlier runs changed in place (ORDER_UPDATES=modify), as the broker then showed them. */
  readonly modified?: readonly BrokerOrder[];
  readonly newFills: readonly Execution[];
  readonly files: readonly { label: string; path: string }[];
  readonly error?: string;
  readonly marketOpen?: boolean;
  readonly nextOpen?: string;
  /**
   * What a person must be told even when the run went well: an earlier run that was killed, an order recovered
   * from a crash or never sent. Alerted with the run's alert, or on their own.
   */
  readonly notices: readonly string[];
  /** The ledger against the broker's positions, when the run got that far. */
  readonly ledger?: LedgerState;
  /**
   * What changed in the strategies' forecasts since the last run that recorded them, one line per strategy
   * (core/forecast-changes.ts), when the run read the forecasts; empty when nothing changed.
   */
  readonly forecastChanges?: readonly string[];
}
