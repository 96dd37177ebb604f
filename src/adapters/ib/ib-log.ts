/**
 * The logging the IB adapter needs: the shape of pino's methods, so the run's logger can be passed as is.
 */
export interface IbLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Discards everything (the default when no logger is given). */
export const silentLog: IbLog = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
