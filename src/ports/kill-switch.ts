/** The kill switch state: why trading stopped, when, and who turned it on. */
export interface HaltState {
  reason: string;
  at: string;
  source: string;
}

/**
 * The kill switch (DATA_DIR/HALT with the file adapter). While it is on, runs cancel the system's orders and
 * place none. A switch that cannot be read must read as on: guessing otherwise would trade against a person's wish.
 */
export interface KillSwitch {
  /** Where a person finds it (the HALT file's path), for messages. */
  readonly location: string;
  /** The state when on; undefined when off. */
  read(): HaltState | undefined;
  /** Turn it on (atomically: a reader never sees half a state). */
  turnOn(state: HaltState): void;
  /** Turn it off; returns the state it had, if any. */
  turnOff(): HaltState | undefined;
}
