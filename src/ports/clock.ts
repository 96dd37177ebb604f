/** The clock a command reads: the machine's, or one pinned by `--now` / REBALANCER_NOW. */
export interface Clock {
  /** The current instant, ISO 8601. */
  now(): string;
}
