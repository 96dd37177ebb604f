/** The dead-man's switch pinged after every run; never throws. */
export interface Heartbeat {
  ping(exitCode: number): Promise<{ ok: true } | { ok: false; reason: string }>;
}
